"""Analysts never see a commenter's phone number or email address, on any page they can open."""
from __future__ import annotations

import re

from helpers import csrf_from, make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import ClauseResponse, Decision

PHONE = "13698765432"
EMAIL = "zhou.secret-person@contact-example.cn"
# Fragments that would give them away even when masked, split or put in an attribute.
GIVEAWAYS = (PHONE, "98765432", "136****", "+86", EMAIL, "zhou.secret", "secret-person", "contact-example")


def leaks(html: str) -> list[str]:
    return [fragment for fragment in GIVEAWAYS if fragment in html]


def staff_post(client, url: str, **data):
    token = csrf_from(client.get("/staff/password").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_no_contact_details_on_any_page_an_analyst_can_open(seeded, staff, login_as, app):
    contact = {"phone": PHONE, "email": EMAIL, "name": "周先生"}
    with app.app_context():
        ids = [
            make_comment("xihu-2023-demo", 12, body="第十二条的意见内容。", **contact),
            make_comment("xihu-2023-demo", None, body="整个文件的意见内容。", status="approved", **contact),
            make_comment("xihu-2023", 6, body="信函意见内容。", channel="letter", status="rejected",
                         rejection_reason="personal_info", **contact),
            make_comment("xihu-2023", 7, body="垃圾信息内容。", status="spam", **contact),
        ]
        db.session.add(Decision(comment_id=ids[2], outcome="explained", response="已作说明。"))
        clause = db.session.get(Comment, ids[2]).clause
        db.session.add(ClauseResponse(clause=clause, text="本条汇总答复。"))
        db.session.commit()
    moderator = login_as("moderator")
    staff_post(moderator, f"/staff/comments/{ids[0]}/approve")
    staff_post(moderator, f"/staff/comments/{ids[0]}/redact", published_body="第十二条的意见(已编辑)。")
    staff_post(moderator, f"/staff/comments/{ids[0]}/decision", outcome="adopted", response="")

    # The control: moderators do see them, so the check below can fail.
    moderator_page = moderator.get(f"/staff/comments/{ids[0]}").get_data(as_text=True)
    assert PHONE in moderator_page and EMAIL in moderator_page

    analyst = login_as("analyst")
    urls = ["/staff/", "/staff/?c=xihu-2023", "/staff/password"]
    for slug in ("xihu-2023-demo", "xihu-2023"):
        queue = f"/staff/c/{slug}/comments"
        urls += [queue, f"{queue}?sort=clause", f"{queue}?sort=oldest&page=2"]
        urls += [f"{queue}?status={s}" for s in ("pending", "approved", "rejected", "spam")]
        urls += [f"{queue}?channel={c}" for c in ("web", "letter")]
        urls += [f"{queue}?q={q}" for q in ("意见", "周先生")]
        urls += [f"{queue}?decision=decided", f"{queue}?clause=0", f"{queue}?section=2&identity=individual",
                 f"{queue}?stance=amend&since=2000-01-01&until=2100-01-01"]
        urls += [f"/staff/c/{slug}/clauses/{n}/response" for n in (6, 7, 12)]
    urls += [f"/staff/comments/{comment_id}" for comment_id in ids]
    # Every GET route under /staff that the app has, with its parameters filled in.
    values = {"slug": "xihu-2023", "comment_id": ids[2], "number": 6}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff") and "GET" in rule.methods and set(rule.arguments) <= set(values):
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule))

    opened = 0
    for url in urls:
        response = analyst.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code == 200:
            opened += 1
            assert leaks(response.get_data(as_text=True)) == [], url
    assert opened >= 40
    # Contact details are not searchable, so a search cannot confirm them either (the page repeats
    # only what the analyst typed, in the search box and the links that keep the filters).
    for query in (PHONE, EMAIL, "contact-example"):
        html = analyst.get(f"/staff/c/xihu-2023-demo/comments?q={query}").get_data(as_text=True)
        assert "共0条意见" in html
        without_echo = re.sub(r'<input id="f-q"[^>]*>|href="[^"]*"', "", html)
        assert leaks(without_echo) == [], query
