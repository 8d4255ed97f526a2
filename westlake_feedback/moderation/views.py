from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from ..accounts.access import STAFF, roles_required
from ..comments.models import Comment
from ..consultations.services import all_consultations
from ..extensions import db
from ..timeutil import now_utc
from . import bp


@bp.get("/")
@roles_required(*STAFF)
def index():
    consultations = list(db.session.scalars(all_consultations()))
    rows = db.session.execute(
        select(Comment.consultation_id, Comment.status, func.count()).group_by(Comment.consultation_id, Comment.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for consultation_id, status, count in rows:
        counts.setdefault(consultation_id, {})[status] = count
    return render_template("moderation/index.html", consultations=consultations, counts=counts, at=now_utc())
