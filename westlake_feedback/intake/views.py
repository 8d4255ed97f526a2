from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import EDITORS, roles_required
from ..audit.services import record
from ..consultations.models import Consultation
from ..consultations.services import consultation_by_slug
from ..db_errors import StoreFailed
from ..extensions import db
from ..timeutil import now_utc
from . import bp
from .forms import IntakeForm
from .models import Attachment
from .services import (IntakeRefused, OfflineInput, intake_consultations, offline_comment, record_offline_comment,
                       recent_offline_comments)
from .uploads import download_name, human_size, path_of


def _consultation(slug: str) -> Consultation:
    consultation = db.first_or_404(consultation_by_slug(slug))
    if consultation.is_draft:
        abort(404)
    return consultation


@bp.get("/")
@roles_required(*EDITORS)
def index():
    return render_template(
        "intake/index.html",
        consultations=list(db.session.scalars(intake_consultations())),
        entries=list(db.session.scalars(recent_offline_comments())),
        at=now_utc(),
    )


def _render_form(consultation: Consultation, form: IntakeForm, status: int = 200):
    max_upload = human_size(current_app.config["INTAKE_MAX_UPLOAD_BYTES"])
    return (
        render_template("intake/form.html", consultation=consultation, form=form, at=now_utc(), max_upload=max_upload),
        status,
    )


@bp.get("/<slug>/new")
@roles_required(*EDITORS)
def new(slug: str):
    consultation = _consultation(slug)
    return _render_form(consultation, IntakeForm.fresh(consultation))


@bp.post("/<slug>/new")
@roles_required(*EDITORS)
def create(slug: str):
    consultation = _consultation(slug)
    form = IntakeForm(consultation)
    if not form.validate():
        return _render_form(consultation, form, 400)
    data = OfflineInput(
        channel=form.channel.data,
        received_on=form.received_on.data,
        postmarked_on=form.postmarked_on.data,
        stance=form.stance.data,
        body=form.body.data,
        identity_type=form.identity_type.data,
        clause_number=form.clause_number,
        name=form.name.data,
        organisation=form.organisation.data,
        phone=form.phone.data,
        email=form.email.data,
        postal_address=form.postal_address.data,
        publish_name=bool(form.publish_name.data),
        token=form.token.data,
    )
    try:
        comment = record_offline_comment(consultation, data, form.inspected, by=current_user._get_current_object())
    except IntakeRefused as refused:
        field = getattr(form, refused.field, None) if refused.field else None
        (field.errors if field is not None else form.form_errors).append(refused.message)
        return _render_form(consultation, form, 400)
    except StoreFailed:
        form.form_errors.append(_("系统繁忙,这条意见尚未录入。已填写的内容已保留,请稍候几秒再次点击保存。"))
        return _render_form(consultation, form, 503)
    flash(_("已录入。请将回执编号告知来件人,凭编号可查询办理状态。"), "success")
    return redirect(url_for(".entry", comment_id=comment.id), code=303)


@bp.get("/entries/<int:comment_id>")
@roles_required(*EDITORS)
def entry(comment_id: int):
    comment = db.first_or_404(offline_comment(comment_id))
    return render_template("intake/entry.html", comment=comment, consultation=comment.consultation)


@bp.get("/attachments/<int:attachment_id>")
@roles_required(*EDITORS)
def download(attachment_id: int):
    attachment = db.get_or_404(Attachment, attachment_id)
    path = path_of(attachment.stored_name)
    if not path.is_file():
        abort(404)
    record("download_original", target=attachment, summary=f"{attachment.comment.receipt_code} {attachment.original_filename}")
    db.session.commit()
    response = send_file(
        path, mimetype=attachment.content_type, as_attachment=True,
        download_name=download_name(attachment.original_filename, attachment.content_type), max_age=0, conditional=False, etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
