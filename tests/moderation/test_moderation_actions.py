"""Moderation actions: audit entries with old→new, bulk actions, and bad input that gives 400."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from helpers import STAFF_EMAILS, csrf_from, make_comment
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db


def text_of(response) -> str:
    return response.get_data(as_text=True)


def staff_post(client, url: str, **data):
    token = csrf_from(text_of(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def entries(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.target_type.in_(["comments", "clauses", "consultations"])).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def comment_state(app, comment_id: int) -> dict:
    with app.app_context():
        c = db.session.get(Comment, comment_id)
        return {"status": c.status, "reason": c.rejection_reason, "note": c.rejection_note,
                "published_body": c.published_body, "moderated_by": c.moderated_by.email if c.moderated_by else None,
                "moderated_at": c.moderated_at}


@pytest.fixture
def pending(seeded, staff, app):
    with app.app_context():
        return make_comment(clause=12, body="第十二条的申报期限建议延长到三十天。")


def test_each_action_is_audited_with_old_and_new(pending, login_as, app):
    moderator = login_as("moderator")
    url = f"/staff/comments/{pending}"
    assert staff_post(moderator, f"{url}/approve").status_code == 303
    state = comment_state(app, pending)
    assert state["status"] == "approved" and state["moderated_by"] == STAFF_EMAILS["moderator"]
    assert state["moderated_at"] is not None

    response = staff_post(moderator, f"{url}/reject", reason="other", note="与本条无关的投诉")
    assert response.status_code == 303
    assert comment_state(app, pending)["reason"] == "other"
    assert staff_post(moderator, f"{url}/spam").status_code == 303
    assert staff_post(moderator, f"{url}/redact", published_body="第十二条的申报期限建议延长。").status_code == 303
    assert staff_post(moderator, f"{url}/decision", outcome="partly_adopted", response="期限延长至20天。").status_code == 303
    assert staff_post(moderator, f"{url}/decision", outcome="adopted", response="").status_code == 303

    log = [(e.action, json.loads(e.changes)) for e in entries(app)]
    assert log == [
        ("approve", {"status": ["pending", "approved"]}),
        ("reject", {"status": ["approved", "rejected"], "rejection_reason": [None, "other"],
                    "rejection_note": [None, "与本条无关的投诉"]}),
        ("spam", {"status": ["rejected", "spam"], "rejection_reason": ["other", None],
                  "rejection_note": ["与本条无关的投诉", None]}),
        ("redact", {"published_body": [None, "第十二条的申报期限建议延长。"]}),
        ("decision", {"outcome": [None, "partly_adopted"], "response": [None, "期限延长至20天。"]}),
        ("decision", {"outcome": ["partly_adopted", "adopted"], "response": ["期限延长至20天。", ""]}),
    ]
    assert all(e.target_type == "comments" and e.target_id == str(pending) for e in entries(app))
    assert all(e.actor_email == STAFF_EMAILS["moderator"] for e in entries(app))

    # The comment page tells the same story, oldest first, after the submission itself.
    html = text_of(moderator.get(url))
    history = html[html.index('id="history-heading"'):]
    positions = [history.index(label) for label in ("提交意见", "审核通过", "不予公开", "标记为垃圾信息",
                                                     "编辑公开文本", "采纳决定")]
    assert positions == sorted(positions)
    assert "待审核 → 已公开" in history and "部分采纳 → 采纳" in history


def test_repeating_an_action_records_nothing_new(pending, login_as, app):
    moderator = login_as("moderator")
    staff_post(moderator, f"/staff/comments/{pending}/approve")
    response = staff_post(moderator, f"/staff/comments/{pending}/approve")
    assert response.status_code == 303
    assert len(entries(app, "approve")) == 1


# (action, form data, expected message): all on one seeded database, since seeding is the slow part.
BAD_INPUT = [
    ("reject", {"reason": "because"}, "不予公开的原因无效,请从列表中选择。"),
    ("reject", {"reason": ""}, "请选择不予公开的原因。"),
    ("reject", {}, "请选择不予公开的原因。"),
    ("reject", {"reason": "other", "note": "   "}, "选择“其他”时,请填写具体原因。"),
    ("decision", {"outcome": "maybe", "response": "x"}, "请从列表中选择采纳情况。"),
    ("decision", {"response": "x"}, "请从列表中选择采纳情况。"),
    ("decision", {"outcome": "not_adopted", "response": ""}, "选择“不采纳”时,请填写答复说明。"),
    ("redact", {"published_body": "  "}, "公开文本不能为空"),
    ("redact", {}, "公开文本不能为空"),
]


def test_bad_input_is_400_with_a_chinese_message(pending, login_as, app):
    moderator = login_as("moderator")
    wrong = []
    for action, data, message in BAD_INPUT:
        response = staff_post(moderator, f"/staff/comments/{pending}/{action}", **data)
        if response.status_code != 400 or message not in text_of(response):
            wrong.append((action, data, response.status_code))
    assert wrong == []
    assert comment_state(app, pending)["status"] == "pending" and entries(app) == []


def test_unknown_comment_is_404(pending, login_as):
    moderator = login_as("moderator")
    assert moderator.get("/staff/comments/999999").status_code == 404
    assert staff_post(moderator, "/staff/comments/999999/approve").status_code == 404


def test_decisions_after_the_window_closed(seeded, staff, login_as, app):
    with app.app_context():
        comment_id = make_comment("xihu-2023", 3, status="approved")  # the 2023 window closed long ago
    response = staff_post(login_as("admin"), f"/staff/comments/{comment_id}/decision",
                          outcome="explained", response="相关内容已在实施细则中明确。")
    assert response.status_code == 303
    html = text_of(login_as("analyst").get(f"/staff/comments/{comment_id}"))
    assert "解释说明" in html and "相关内容已在实施细则中明确。" in html
    assert 'action="/staff/comments/' not in html  # analysts only read


# Bulk actions ----------------------------------------------------------------

QUEUE = "/staff/c/xihu-2023-demo/comments"


@pytest.fixture
def three(seeded, staff, app):
    with app.app_context():
        return [make_comment(clause=12, body=f"批量处理的第{n}条意见。") for n in range(3)]


def test_bulk_approve_writes_one_entry_per_comment(three, login_as, app):
    moderator = login_as("moderator")
    response = staff_post(moderator, f"{QUEUE}/bulk?status=pending&q=批量", ids=[str(i) for i in three[:2]],
                          action="approve")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{QUEUE}?")
    assert "status=pending" in response.headers["Location"]
    assert [comment_state(app, i)["status"] for i in three] == ["approved", "approved", "pending"]
    assert sorted(e.target_id for e in entries(app, "approve")) == sorted(str(i) for i in three[:2])
    assert "已处理2条意见" in text_of(moderator.get(response.headers["Location"]))


def test_bulk_reject_and_spam(three, login_as, app):
    moderator = login_as("moderator")
    staff_post(moderator, f"{QUEUE}/bulk", ids=[str(three[0]), str(three[1])], action="reject", reason="duplicate")
    staff_post(moderator, f"{QUEUE}/bulk", ids=[str(three[2])], action="spam")
    states = [comment_state(app, i) for i in three]
    assert [(s["status"], s["reason"]) for s in states] == [("rejected", "duplicate"), ("rejected", "duplicate"),
                                                            ("spam", None)]
    assert len(entries(app, "reject")) == 2 and len(entries(app, "spam")) == 1


# (ids, form data, message); None stands for the first comment's id. A real id is always added.
BAD_BULK = [
    (["abc"], {"action": "approve"}, "所选意见的编号无效"),
    (["999999"], {"action": "approve"}, "不存在或不属于本次征求意见"),
    (["-3"], {"action": "approve"}, "所选意见的编号无效"),
    ([None], {"action": "explode"}, "请选择要执行的操作。"),
    ([None], {}, "请选择要执行的操作。"),
    ([None], {"action": "reject"}, "请选择不予公开的原因。"),
    ([None], {"action": "reject", "reason": "other"}, "选择“其他”时,请填写具体原因。"),
    ([None], {"action": "reject", "reason": "nope"}, "不予公开的原因无效"),
]


def test_bad_bulk_input_is_400_and_changes_nothing(three, login_as, app):
    moderator = login_as("moderator")
    wrong = []
    for ids, data, message in BAD_BULK:
        ids = [str(three[0]) if i is None else i for i in ids] + [str(three[1])]
        response = staff_post(moderator, f"{QUEUE}/bulk?status=pending", ids=ids, **data)
        html = text_of(response)
        if response.status_code != 400 or message not in html:
            wrong.append((ids, data, response.status_code))
        # the selection is kept for a second try
        elif f'value="{three[1]}" id="select-{three[1]}" checked' not in html:
            wrong.append((ids, data, "selection lost"))
    nothing = staff_post(moderator, f"{QUEUE}/bulk", action="approve")
    assert nothing.status_code == 400 and "请先勾选要处理的意见。" in text_of(nothing)
    assert wrong == []
    assert [comment_state(app, i)["status"] for i in three] == ["pending"] * 3
    assert entries(app) == []


def test_bulk_refuses_a_comment_from_another_consultation(three, login_as, app):
    with app.app_context():
        other = make_comment("xihu-2023", 1)
    response = staff_post(login_as("moderator"), f"{QUEUE}/bulk", ids=[str(three[0]), str(other)], action="spam")
    assert response.status_code == 400 and "不存在或不属于本次征求意见" in text_of(response)
    assert comment_state(app, three[0])["status"] == "pending" and comment_state(app, other)["status"] == "pending"


def test_analysts_get_no_action_controls(three, login_as):
    html = text_of(login_as("analyst").get(QUEUE))
    assert 'name="ids"' not in html and 'id="bulk-form"' not in html and 'method="post" action="/staff/c' not in html
    page = text_of(login_as("analyst").get(f"/staff/comments/{three[0]}"))
    assert "/approve" not in page and "/reject" not in page and "/decision" not in page
    assert 'name="ids"' in text_of(login_as("moderator").get(QUEUE))
