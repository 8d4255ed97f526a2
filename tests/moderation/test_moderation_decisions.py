"""Adoption decisions, clause responses and the per-clause queries the report will use."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from helpers import csrf_from, make_comment
from westlake_feedback.accounts.models import User
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.moderation.decisions import (
    comments_with_decisions, decisions_by_clause, set_clause_response, set_decision,
)

RESPONSE_URL = "/staff/c/xihu-2023/clauses/6/response"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def staff_post(client, url: str, **data):
    token = csrf_from(text_of(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def clause_response_log(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "clause_response")
                                  .order_by(AuditEntry.id))
        return [json.loads(entry.changes) for entry in rows]


def test_clause_response_is_saved_edited_removed_and_audited(seeded, staff, login_as, app):
    with app.app_context():
        comment_id = make_comment("xihu-2023", 6, body="第六条的研发补助门槛偏高。")
    moderator = login_as("moderator")
    assert staff_post(moderator, RESPONSE_URL, text="门槛已下调。").status_code == 303
    assert "门槛已下调。" in text_of(moderator.get(f"/staff/comments/{comment_id}"))
    assert staff_post(moderator, RESPONSE_URL, text="门槛已下调至50万元。").status_code == 303
    page = text_of(login_as("analyst").get(RESPONSE_URL))
    assert "门槛已下调至50万元。" in page and "第六条的研发补助门槛偏高" in page
    assert f'action="{RESPONSE_URL}"' not in page  # read-only for analysts
    assert staff_post(moderator, RESPONSE_URL, text="").status_code == 303
    assert "本条尚无汇总答复" in text_of(moderator.get(RESPONSE_URL))
    assert clause_response_log(app) == [
        {"text": [None, "门槛已下调。"]},
        {"text": ["门槛已下调。", "门槛已下调至50万元。"]},
        {"text": ["门槛已下调至50万元。", None]},
    ]


def test_clause_response_bad_input(seeded, staff, login_as, app):
    moderator = login_as("moderator")
    response = staff_post(moderator, RESPONSE_URL, text="长" * 4001)
    assert response.status_code == 400 and "条款答复不能超过4000个字" in text_of(response)
    assert moderator.get("/staff/c/xihu-2023/clauses/999/response").status_code == 404
    assert clause_response_log(app) == []


def test_queue_shows_and_filters_decisions(seeded, staff, login_as, app):
    with app.app_context():
        decided = make_comment("xihu-2023", 2, body="已经决定的意见。")
        make_comment("xihu-2023", 2, body="尚未决定的意见。")
    moderator = login_as("moderator")
    staff_post(moderator, f"/staff/comments/{decided}/decision", outcome="not_adopted", response="与上位法不符。")
    html = text_of(moderator.get("/staff/c/xihu-2023/comments?decision=not_adopted"))
    assert "已经决定的意见" in html and "尚未决定的意见" not in html and "<td>不采纳</td>" in html
    html = text_of(moderator.get("/staff/c/xihu-2023/comments?decision=undecided"))
    assert "已经决定的意见" not in html and "尚未决定的意见" in html


def test_report_queries_group_comments_per_clause_in_clause_order(seeded, staff, app):
    start = datetime(2023, 3, 16, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        late_5 = make_comment("xihu-2023", 5, body="第5条较晚", status="approved", created_at=start + timedelta(hours=3))
        on_30 = make_comment("xihu-2023", 30, body="第30条", status="rejected", created_at=start)
        early_5 = make_comment("xihu-2023", 5, body="第5条较早", created_at=start + timedelta(hours=1))
        whole = make_comment("xihu-2023", None, body="整个文件", status="approved", created_at=start + timedelta(hours=2))
        make_comment("xihu-2023", 5, body="垃圾信息", status="spam", created_at=start)
        make_comment("xihu-2023-demo", 5, body="另一个征求意见", created_at=start)

        admin = db.session.scalar(select(User).where(User.role == "admin"))
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
        set_decision(db.session.get(Comment, late_5), admin, "adopted", "")
        set_decision(db.session.get(Comment, on_30), admin, "explained", "已有相关规定。")
        clause_40 = next(c for c in consultation.clauses if c.number == 40)
        set_clause_response(clause_40, admin, "本条暂无意见,维持原文。")
        db.session.commit()

        rows = db.session.execute(comments_with_decisions(consultation)).all()
        assert [comment.id for comment, _decision, _clause in rows] == [whole, early_5, late_5, on_30]
        assert [d.outcome if d else None for _c, d, _cl in rows] == [None, None, "adopted", "explained"]

        groups = decisions_by_clause(consultation)
        assert [g.clause.number if g.clause else None for g in groups] == [None, 5, 30, 40]
        assert [[c.id for c, _d in g.items] for g in groups] == [[whole], [early_5, late_5], [on_30], []]
        assert [g.undecided for g in groups] == [1, 1, 0, 0]
        assert groups[3].response.text == "本条暂无意见,维持原文。"
        assert groups[3].response.updated_by_id == admin.id
