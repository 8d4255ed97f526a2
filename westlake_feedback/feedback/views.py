"""The public feedback page (/c/<slug>/feedback) and the admin page that publishes it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import ADMINS, roles_required
from ..consultations.models import Consultation, WindowState
from ..consultations.services import consultation_by_slug, public_consultation_by_slug
from ..extensions import db
from ..pagecache import cached_page
from ..timeutil import now_utc
from . import bp
from .forms import FeedbackForm, UnpublishForm
from .services import FeedbackRefused, build_report, publish_feedback, unpublish_feedback


@bp.get("/c/<slug>/feedback")
@cached_page(per_minute=False)  # a closed consultation: no time left, no window to open
def public(slug: str):
    consultation = db.first_or_404(public_consultation_by_slug(slug))
    if not consultation.feedback_is_published:
        abort(404)
    return render_template("feedback/public.html", consultation=consultation, report=build_report(consultation),
                           at=now_utc())


def _get(slug: str) -> Consultation:
    return db.first_or_404(consultation_by_slug(slug))


def _render_manage(consultation: Consultation, form: FeedbackForm | None = None, error: str | None = None,
                   status: int = 200):
    if form is None:
        form = FeedbackForm(formdata=None, intro=consultation.feedback_intro)
    at = now_utc()
    return (
        render_template(
            "feedback/manage.html", consultation=consultation, form=form, unpublish_form=UnpublishForm(),
            report=build_report(consultation), error=error, at=at,
            closed=consultation.window_state(at) is WindowState.CLOSED,
        ),
        status,
    )


@bp.get("/staff/consultations/<slug>/feedback")
@roles_required(*ADMINS)
def manage(slug: str):
    return _render_manage(_get(slug))


@bp.post("/staff/consultations/<slug>/feedback")
@roles_required(*ADMINS)
def publish(slug: str):
    consultation = _get(slug)
    form = FeedbackForm()
    if not form.validate():
        return _render_manage(consultation, form, status=400)
    first = not consultation.feedback_is_published
    try:
        queued = publish_feedback(consultation, form.intro.data, current_user._get_current_object())
    except FeedbackRefused as refused:
        return _render_manage(consultation, form, error=refused.message, status=400)
    if first:
        flash(_("意见采纳情况已公布,已通知%(count)d位留有邮箱的意见提出人。", count=queued), "success")
    else:
        flash(_("意见采纳情况已更新。"), "success")
    return redirect(url_for(".manage", slug=consultation.slug), code=303)


@bp.post("/staff/consultations/<slug>/feedback/unpublish")
@roles_required(*ADMINS)
def unpublish(slug: str):
    consultation = _get(slug)
    form = UnpublishForm()
    if not form.validate():
        return _render_manage(consultation, error=_("表单已过期,请重试。"), status=400)
    try:
        unpublish_feedback(consultation, current_user._get_current_object())
    except FeedbackRefused as refused:
        return _render_manage(consultation, error=refused.message, status=400)
    flash(_("意见采纳情况已撤回,公众不再能看到。"), "success")
    return redirect(url_for(".manage", slug=consultation.slug), code=303)
