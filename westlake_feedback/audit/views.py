from __future__ import annotations

from datetime import datetime, timedelta

from flask import render_template, request

from ..accounts.access import ADMINS, roles_required
from ..extensions import db
from ..inputs import day_arg, page_arg
from ..timeutil import local_midnight
from . import bp
from .services import ACTION_LABELS, audit_entries


@bp.get("/")
@roles_required(*ADMINS)
def index():
    args = request.args
    since, until = day_arg(args.get("since")), day_arg(args.get("until"))
    query = audit_entries(
        action=args.get("action") if args.get("action") in ACTION_LABELS else None,
        actor=args.get("actor", "").strip() or None,
        target_type=args.get("target_type") or None,
        target_id=args.get("target_id") or None,
        since=local_midnight(since) if since else None,
        until=local_midnight(until + timedelta(days=1)) if until else None,
    )
    page = db.paginate(query, page=page_arg(args), per_page=50, error_out=False)
    return render_template(
        "audit/index.html", page=page, actions=ACTION_LABELS, filters=args, since=since, until=until,
        datetime=datetime,
    )
