"""The moderation queue: every filter, sorting, pagination and the per-status counts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from helpers import make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision

QUEUE = "/staff/c/xihu-2023/comments"


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def listed(client, url: str) -> list[str]:
    """The excerpts of the queue's rows, in order."""
    html = text_of(client.get(url))
    tbody = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<span class="excerpt">(.*?)</span>', tbody)


@pytest.fixture
def four(seeded, staff, app):
    """Four comments on the closed 2023 consultation that differ in every filtered attribute."""
    with app.app_context():
        a = make_comment("xihu-2023", 1, body="甲:支持扩大有效投资", stance="support", name="李四", status="approved")
        b = make_comment("xihu-2023", 6, body="乙:科技园区的停车位问题", stance="oppose", identity_type="company",
                         organisation="某某科技公司", channel="letter")
        c = make_comment("xihu-2023", None, body="丙:对整个文件的意见", stance="other", identity_type="government",
                         channel="phone", status="rejected", rejection_reason="off_topic")
        d = make_comment("xihu-2023", 6, body="丁:关于第六条的补充", identity_type="social_org", channel="email",
                         status="spam")
        db.session.add_all([Decision(comment_id=a, outcome="adopted", response=""),
                            Decision(comment_id=b, outcome="not_adopted", response="已有规定。")])
        db.session.commit()
        return {"a": a, "b": b, "c": c, "d": d, "c_code": db.session.get(Comment, c).receipt_code}


FILTER_CASES = [
    ("", {"甲", "乙", "丙", "丁"}),
    ("status=approved", {"甲"}),
    ("status=pending", {"乙"}),
    ("section=2", {"乙", "丁"}),
    ("clause=6", {"乙", "丁"}),
    ("clause=0", {"丙"}),
    ("stance=oppose", {"乙"}),
    ("identity=company", {"乙"}),
    ("channel=phone", {"丙"}),
    ("decision=decided", {"甲", "乙"}),
    ("decision=undecided", {"丙", "丁"}),
    ("decision=not_adopted", {"乙"}),
    ("q=停车", {"乙"}),
    ("q=李四", {"甲"}),
    ("q=某某科技", {"乙"}),
    ("q=%25", set()),
    ("q=_", set()),
    ("section=2&stance=amend", {"丁"}),
    ("status=bogus&since=not-a-date&clause=x&sort=sideways", {"甲", "乙", "丙", "丁"}),
]


def test_each_filter(four, login_as):
    """One seeded database for all cases (seeding is the slow part); each case is reported by name."""
    client = login_as("moderator")
    wrong = {}
    for query, expected in FILTER_CASES:
        got = {row[0] for row in listed(client, f"{QUEUE}?{query}")}
        if got != expected:
            wrong[query] = (sorted(got), sorted(expected))
    assert wrong == {}


def test_search_by_receipt_code(four, login_as):
    rows = listed(login_as("analyst"), f"{QUEUE}?q={four['c_code'].lower()}")
    assert [row[0] for row in rows] == ["丙"]


def test_counts_per_status_follow_the_other_filters(four, login_as):
    html = text_of(login_as("moderator").get(f"{QUEUE}?status=pending&section=2"))
    tabs = html[html.index('class="status-tabs"'):html.index("</nav>", html.index('class="status-tabs"'))]
    counts = dict(re.findall(r'>([^<>]+)<span class="count">(\d+)</span>', tabs))
    assert counts == {"全部": "2", "待审核": "1", "已公开": "0", "未予公开": "0", "垃圾信息": "1"}
    assert "共1条意见" in html  # the list itself does apply the status filter


def test_date_range_uses_local_days(seeded, staff, login_as, app):
    with app.app_context():
        utc = timezone.utc
        make_comment("xihu-2023", 3, body="一:3月16日深夜", created_at=datetime(2023, 3, 16, 15, 30, tzinfo=utc))
        make_comment("xihu-2023", 3, body="二:3月17日凌晨", created_at=datetime(2023, 3, 16, 16, 30, tzinfo=utc))
        make_comment("xihu-2023", 3, body="三:3月18日凌晨", created_at=datetime(2023, 3, 17, 16, 30, tzinfo=utc))
    client = login_as("analyst")
    assert [r[0] for r in listed(client, f"{QUEUE}?since=2023-03-17&until=2023-03-17")] == ["二"]
    assert {r[0] for r in listed(client, f"{QUEUE}?since=2023-03-17")} == {"二", "三"}
    assert [r[0] for r in listed(client, f"{QUEUE}?until=2023-03-16")] == ["一"]


def test_sort_orders(seeded, staff, login_as, app):
    start = datetime(2023, 3, 16, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        make_comment("xihu-2023", 30, body="一:第30条,最早", created_at=start)
        make_comment("xihu-2023", None, body="三:整个文件", created_at=start + timedelta(hours=1))
        make_comment("xihu-2023", 5, body="二:第5条,最新", created_at=start + timedelta(hours=2))
    client = login_as("moderator")

    def order(url):
        return [row[0] for row in listed(client, url)]

    assert order(QUEUE) == order(f"{QUEUE}?sort=newest") == ["二", "三", "一"]
    assert order(f"{QUEUE}?sort=oldest") == ["一", "三", "二"]
    assert order(f"{QUEUE}?sort=clause") == ["三", "二", "一"]  # whole draft first, then clause order


def test_clause_order_across_pages(seeded, staff, login_as, app, monkeypatch):
    """Sorted by clause, each page is read as sorted ids first, then their rows: the pages still
    follow one another in clause order, the same clause's comments oldest first."""
    from westlake_feedback.moderation import queue

    start = datetime(2023, 3, 16, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        for n, clause in enumerate([9, None, 2, 9, 2, None, 40]):
            make_comment("xihu-2023", clause, body=f"{n}:第{clause}条", created_at=start + timedelta(minutes=n))
    monkeypatch.setattr(queue, "PER_PAGE", 3)
    client = login_as("moderator")
    pages = [[row[0] for row in listed(client, f"{QUEUE}?sort=clause&page={page}")] for page in (1, 2, 3)]
    assert pages == [["1", "5", "2"], ["4", "0", "3"], ["6"]]  # whole draft, clause 2, 9, 40


def test_sixty_comments_make_two_pages(seeded, staff, login_as, app):
    start = datetime(2023, 3, 16, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        for n in range(60):
            make_comment("xihu-2023", 7, body=f"第{n:02d}号意见", created_at=start + timedelta(minutes=n))
    client = login_as("moderator")
    page_one = text_of(client.get(f"{QUEUE}?status=pending&sort=oldest"))
    assert "共60条意见" in page_one and "第1页,共2页" in page_one
    assert len(listed(client, f"{QUEUE}?status=pending&sort=oldest")) == 50
    next_link = re.search(r'<a href="([^"]+)">下一页</a>', page_one).group(1).replace("&amp;", "&")
    assert "status=pending" in next_link and "sort=oldest" in next_link and "page=2" in next_link
    rows = listed(client, next_link)
    assert len(rows) == 10 and rows[0] == "第50号意见" and rows[-1] == "第59号意见"
    assert listed(client, f"{QUEUE}?status=pending&page=9") == []


def test_staff_home_opens_the_consultation_with_most_pending(seeded, staff, login_as, app):
    with app.app_context():
        make_comment("xihu-2023-demo", 1)
        for _ in range(2):
            make_comment("xihu-2023", 2)
    client = login_as("analyst")
    html = text_of(client.get("/staff/"))
    assert '<option value="xihu-2023" selected>' in html
    assert 'action="/staff/c/xihu-2023/comments"' in html
    chosen = text_of(client.get("/staff/?c=xihu-2023-demo"))
    assert '<option value="xihu-2023-demo" selected>' in chosen
    assert client.get("/staff/?c=nope").status_code == 404
    assert client.get("/staff/c/nope/comments").status_code == 404
