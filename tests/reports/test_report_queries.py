"""Loading a report's input runs the same queries for 10 comments as for 2,000 (one streamed select
of the comments, none per comment)."""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import insert, select

from bench.counts import counting

from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision
from westlake_feedback.reports.loading import load_report_input
from westlake_feedback.timeutil import now_utc

DEMO = "xihu-2023-demo"


def add(count: int) -> None:
    target = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO))
    clause_ids = list(db.session.scalars(select(Clause.id).where(Clause.consultation_id == target.id)))[:5] + [None]
    rows = [{
        "consultation_id": target.id, "clause_id": clause_ids[n % len(clause_ids)], "stance": "support",
        "body": f"建议加大扶持力度({n})。", "identity_type": "individual", "channel": "web", "status": "approved",
        "receipt_code": f"RQ{n:06d}{secrets.token_hex(3).upper()}", "created_at": now_utc(), "locale": "zh_CN",
        "email": f"p{n % 7}@example.com",
    } for n in range(count)]
    db.session.execute(insert(Comment.__table__), rows)
    first = db.session.scalars(select(Comment).where(Comment.consultation_id == target.id)).first()
    if not db.session.scalar(select(Decision.id).where(Decision.comment_id == first.id)):
        db.session.add(Decision(comment=first, outcome="adopted", response="已采纳。"))
    db.session.commit()


def statements_loading() -> tuple[int, int]:
    with counting(current_app._get_current_object()) as statements:
        db.session.expire_all()
        target = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO))
        loaded = load_report_input(target, 1)
    return len(statements), len(loaded.comments)


def test_report_input_is_loaded_in_a_fixed_number_of_queries(seeded):
    with seeded.app_context():
        add(10)
        few, ten = statements_loading()
        add(1990)
        many, two_thousand = statements_loading()
    assert (ten, two_thousand) == (10, 2000)
    assert many == few <= 8
