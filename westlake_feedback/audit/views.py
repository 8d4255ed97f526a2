from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import render_template, request

from ..accounts.access import ADMINS, roles_required
from ..extensions import db
from ..timeutil import local_midnight
from . import bp
from .services import ACTION_LABELS, audit_entries


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@roles_required(*ADMINS)
def index():
    args = request.args
    since, until = _day(args.get("since")), _day(args.get("until"))
    query = audit_entries(
        action=args.get("action") if args.get("action") in ACTION_LABELS else None,
        actor=args.get("actor", "").strip() or None,
        target_type=args.get("target_type") or None,
        target_id=args.get("target_id") or None,
        since=local_midnight(since) if since else None,
        until=local_midnight(until + timedelta(days=1)) if until else None,
    )
    page = db.paginate(query, page=args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template(
        "audit/index.html", page=page, actions=ACTION_LABELS, filters=args, since=since, until=until,
        datetime=datetime,
    )
