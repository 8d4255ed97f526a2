"""Staff downloads of the moderation queue: /staff/c/<slug>/export.csv|xlsx|json."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import STAFF, roles_required
from ..audit.services import record
from ..consultations.services import consultation_by_slug
from ..extensions import db
from ..moderation.queue import QueueFilters
from ..timeutil import now_utc, to_local
from . import bp
from .services import breakdown, count_rows, csv_stream, iter_rows, json_stream
from .xlsx import xlsx_stream

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


@bp.get("/c/<slug>/exports")
@roles_required(*STAFF)
def index(slug: str):
    """The consultation's downloads in one place; filtered ones start from the queue."""
    consultation = db.first_or_404(consultation_by_slug(slug))
    return render_template("exports/index.html", consultation=consultation,
                           total=count_rows(consultation, QueueFilters.from_args({})))


@bp.get("/c/<slug>/export.<any(csv, xlsx, json):fmt>")
@roles_required(*STAFF)
def export(slug: str, fmt: str):
    consultation = db.first_or_404(consultation_by_slug(slug))
    filters = QueueFilters.from_args(request.args)
    show_contact = current_user.sees_contact_details
    at = now_utc()
    rows_total = count_rows(consultation, filters)
    counts = breakdown(consultation, filters) if fmt == "xlsx" else None
    record("export", target=consultation,
           summary=_("导出%(count)d条意见(%(format)s)", count=rows_total, format=fmt.upper()),
           changes={"format": fmt, "filters": filters.to_args(), "rows": rows_total,
                    "contact_details": "full" if show_contact else "masked"})
    consultation_id, title, slug = consultation.id, consultation.title, consultation.slug
    db.session.commit()  # the audit entry is stored before the first byte leaves

    rows = iter_rows(consultation_id, filters, show_contact)
    if fmt == "csv":
        body = csv_stream(rows)
    elif fmt == "json":
        body = json_stream(rows)
    else:
        body = xlsx_stream(rows, consultation_title=title, filters=filters, exported_at=at, counts=counts)
    filename = f"{slug}-comments-{to_local(at):%Y%m%d-%H%M}.{fmt}"
    response = Response(stream_with_context(body), content_type=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
