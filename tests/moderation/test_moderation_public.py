"""Moderation decides what the public sees: clause pages, notice TOC counts, home page counts."""
from __future__ import annotations

import re

from sqlalchemy import select

from helpers import csrf_from, make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

CLAUSE_12 = "/c/xihu-2023-demo/clauses/12"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def staff_post(client, url: str, **data):
    token = csrf_from(text_of(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def toc_count(html: str, number: int) -> int:
    match = re.search(
        rf'href="/c/xihu-2023-demo/clauses/{number}">.*?<span class="count">(\d+)条意见</span>', html, re.S
    )
    assert match, f"clause {number} missing from the TOC"
    return int(match.group(1))


def home_count(html: str) -> int:
    match = re.search(r'href="/c/xihu-2023-demo/".*?已公开意见(\d+)条', html, re.S)
    assert match, "demo consultation missing from the home page"
    return int(match.group(1))


def public_state(client) -> tuple[str, int, str]:
    return text_of(client.get(CLAUSE_12)), toc_count(text_of(client.get("/c/xihu-2023-demo/")), 12), text_of(client.get("/"))


def test_only_approved_comments_are_public_and_counted(seeded, staff, login_as, post_comment, client, app):
    body = "建议第十二条的奖励申报材料一次性告知,减少往返。"
    response = post_comment(CLAUSE_12, f"{CLAUSE_12}/comment", body=body)
    assert response.status_code == 303
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.body == body))
    moderator = login_as("moderator")

    clause_html, count, home = public_state(client)
    assert body not in clause_html and count == 0 and "已公开的意见(0条)" in clause_html
    assert home_count(home) == 0

    assert staff_post(moderator, f"/staff/comments/{comment_id}/approve").status_code == 303
    clause_html, count, home = public_state(client)
    assert body in clause_html and count == 1 and "已公开的意见(1条)" in clause_html
    assert home_count(home) == 1

    assert staff_post(moderator, f"/staff/comments/{comment_id}/reject", reason="off_topic").status_code == 303
    clause_html, count, home = public_state(client)
    assert body not in clause_html and count == 0 and home_count(home) == 0

    assert staff_post(moderator, f"/staff/comments/{comment_id}/approve").status_code == 303
    assert toc_count(text_of(client.get("/c/xihu-2023-demo/")), 12) == 1
    assert staff_post(moderator, f"/staff/comments/{comment_id}/spam").status_code == 303
    clause_html, count, _home = public_state(client)
    assert body not in clause_html and count == 0


def test_whole_draft_count_on_notice_page_follows_moderation(seeded, staff, login_as, client, app):
    with app.app_context():
        ids = [make_comment(body=f"对整个文件的意见第{n}条内容。") for n in range(3)]
    moderator = login_as("moderator")
    assert "对整个文件已公开意见0条" in text_of(client.get("/c/xihu-2023-demo/"))
    for comment_id in ids[:2]:
        staff_post(moderator, f"/staff/comments/{comment_id}/approve")
    assert "对整个文件已公开意见2条" in text_of(client.get("/c/xihu-2023-demo/"))


def test_redaction_shows_redacted_text_publicly_and_the_original_to_staff(seeded, staff, login_as, client, app):
    original = "小区门口停车难,请联系我13912345678商量具体方案。"
    redacted = "小区门口停车难,请联系我[电话已删除]商量具体方案。"
    with app.app_context():
        comment_id = make_comment(clause=12, body=original, status="approved")
    moderator = login_as("moderator")
    assert "13912345678" in text_of(client.get(CLAUSE_12))

    response = staff_post(moderator, f"/staff/comments/{comment_id}/redact", published_body=redacted)
    assert response.status_code == 303
    public = text_of(client.get(CLAUSE_12))
    assert redacted in public and "13912345678" not in public
    staff_page = text_of(moderator.get(f"/staff/comments/{comment_id}"))
    assert original in staff_page and redacted in staff_page
    analyst_page = text_of(login_as("analyst").get(f"/staff/comments/{comment_id}"))
    assert original in analyst_page and redacted in analyst_page

    with app.app_context():
        code = db.session.get(Comment, comment_id).receipt_code
    receipt = text_of(client.get(f"/receipt/{code}"))
    assert original in receipt and "公开显示时工作人员对文字作了删改" in receipt

    assert staff_post(moderator, f"/staff/comments/{comment_id}/restore").status_code == 303
    assert original in text_of(client.get(CLAUSE_12))
    with app.app_context():
        assert db.session.get(Comment, comment_id).published_body is None


def test_redacting_to_the_original_text_stores_nothing(seeded, staff, login_as, app):
    with app.app_context():
        comment_id = make_comment(clause=12, body="原文不需要修改的意见。", status="approved")
    moderator = login_as("moderator")
    staff_post(moderator, f"/staff/comments/{comment_id}/redact", published_body="原文不需要修改的意见。")
    with app.app_context():
        assert db.session.get(Comment, comment_id).published_body is None


def test_visibility_setting_hides_texts_but_keeps_counts(seeded, staff, login_as, client, app):
    with app.app_context():
        make_comment(clause=12, body="这是一条已公开的意见内容。", status="approved")
        make_comment(clause=12, body="这是一条待审核的意见内容。")
    admin = login_as("admin")
    page = text_of(admin.get("/staff/c/xihu-2023-demo/visibility"))
    assert re.search(r'<input checked[^>]*value="1"', page)

    assert staff_post(admin, "/staff/c/xihu-2023-demo/visibility", show="0").status_code == 303
    html = text_of(client.get(CLAUSE_12))
    assert "这是一条已公开的意见内容" not in html
    assert "已公开的意见(1条)" in html and "仅公布数量" in html
    assert toc_count(text_of(client.get("/c/xihu-2023-demo/")), 12) == 1
    assert "这是一条待审核的意见内容" not in html

    assert staff_post(admin, "/staff/c/xihu-2023-demo/visibility", show="1").status_code == 303
    assert "这是一条已公开的意见内容" in text_of(client.get(CLAUSE_12))


def test_visibility_rejects_bad_input_and_non_admins(seeded, staff, login_as, app):
    admin = login_as("admin")
    response = staff_post(admin, "/staff/c/xihu-2023-demo/visibility", show="maybe")
    assert response.status_code == 400 and "请选择一项" in text_of(response)
    assert staff_post(login_as("moderator"), "/staff/c/xihu-2023-demo/visibility", show="0").status_code == 403
    assert "仅公布数量" not in text_of(app.test_client().get(CLAUSE_12))
