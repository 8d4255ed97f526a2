"""Staff pages for report versions: build on demand (in the worker), watch progress, download."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.access import EDITORS, STAFF, roles_required
from ..audit.services import record
from ..consultations.models import Consultation
from ..extensions import db
from ..inputs import parse_int
from .build import MEDIA_TYPES, STAGES
from .models import Report, ReportStatus
from .services import reports_for, request_report

bp = Blueprint("reports", __name__, url_prefix="/staff")


def _consultation(slug: str) -> Consultation:
    return db.first_or_404(db.select(Consultation).where(Consultation.slug == slug))


@bp.get("/c/<slug>/reports")
@roles_required(*STAFF)
def index(slug: str):
    consultation = _consultation(slug)
    reports = db.session.scalars(reports_for(consultation)).all()
    busy = any(r.status in (ReportStatus.QUEUED.value, ReportStatus.BUILDING.value) for r in reports)
    return render_template("reports/index.html", consultation=consultation, reports=reports, busy=busy,
                           stages=STAGES, form=FlaskForm())


@bp.post("/c/<slug>/reports")
@roles_required(*EDITORS)
def request_build(slug: str):
    consultation = _consultation(slug)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    round_number = None
    if request.form.get("round"):
        round_number = parse_int(request.form.get("round"), 1, consultation.current_round)
        if round_number is None:
            flash(_("请选择有效的轮次。"), "error")
            return redirect(url_for(".index", slug=slug), code=303)
    report = request_report(consultation, "manual", by=current_user, round_number=round_number)
    record("report_build", target=report, summary=f"{consultation.slug} v{report.version}"
           + (f" round {round_number}" if round_number else ""))
    db.session.commit()
    flash(_("已提交生成第%(version)d版报告,后台完成后即可下载。", version=report.version), "success")
    return redirect(url_for(".index", slug=slug), code=303)


@bp.get("/reports/<int:report_id>.<fmt>")
@roles_required(*STAFF)
def download(report_id: int, fmt: str):
    if fmt not in MEDIA_TYPES:
        abort(404)
    report = db.get_or_404(Report, report_id)
    data = getattr(report, fmt)
    if report.status != ReportStatus.DONE.value or not data:
        abort(404)
    record("export", target=report, summary=f"report {report.consultation.slug} v{report.version} {fmt}")
    db.session.commit()
    filename = f"{report.consultation.slug}-report-v{report.version}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(data, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "no-store",
        # The HTML report is self-contained: inline SVG and one stylesheet, no script.
        **({"Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src data:"}
           if fmt == "html" else {}),
    })
