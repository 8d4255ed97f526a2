"""The public feedback: its summary (/c/<slug>/feedback: counts per clause and the answers) and
one page per clause of the comments with their answers (/c/<slug>/feedback/clauses/<n>, of an
earlier round /c/<slug>/feedback/rounds/<r>/clauses/<n>, on the whole document
/c/<slug>/feedback/whole), paginated; and the admin page that publishes it. Before publication an
admin sees the clause pages as a preview (never cached: a signed-in session bypasses the cache)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import ADMINS, roles_required
from ..accounts.models import Role
from ..consultations.models import Consultation, WindowState
from ..consultations.services import consultation_by_slug, public_consultation_by_slug
from ..extensions import db
from ..inputs import page_arg
from ..pagecache import cached_page
from ..timeutil import now_utc
from . import bp
from .forms import FeedbackForm, UnpublishForm
from .report import ClauseFeedback, build_report, clause_feedback_page, clause_of_round
from .services import FeedbackRefused, publish_feedback, unpublish_feedback


@bp.get("/c/<slug>/feedback")
@cached_page(per_minute=False)  # a closed consultation: no time left, no window to open
def public(slug: str):
    consultation = db.first_or_404(public_consultation_by_slug(slug))
    if not consultation.feedback_is_published:
        abort(404)
    return render_template("feedback/public.html", consultation=consultation, report=build_report(consultation),
                           at=now_utc())


def _is_admin() -> bool:
    return current_user.is_authenticated and current_user.role in {Role(r).value for r in ADMINS}


def _feedback_consultation(slug: str) -> Consultation:
    """The consultation whose published feedback is asked for; an admin also sees it unpublished."""
    if _is_admin():
        return db.first_or_404(consultation_by_slug(slug))
    consultation = db.first_or_404(public_consultation_by_slug(slug))
    if not consultation.feedback_is_published:
        abort(404)
    return consultation


def _render_clause(slug: str, number: int | None, round_number: int | None = None):
    consultation = _feedback_consultation(slug)
    clause = None if number is None else db.first_or_404(clause_of_round(consultation, number, round_number))
    page = clause_feedback_page(consultation, clause, page_arg(request.args), current_app.config["FEEDBACK_PER_PAGE"],
                                cursor=request.args.get("after"))
    return render_template("feedback/clause.html", consultation=consultation, page=page, at=now_utc())


@bp.get("/c/<slug>/feedback/whole")
@cached_page(per_minute=False)
def whole(slug: str):
    return _render_clause(slug, None)


@bp.get("/c/<slug>/feedback/clauses/<int:number>")
@cached_page(per_minute=False)
def clause(slug: str, number: int):
    return _render_clause(slug, number)


@bp.get("/c/<slug>/feedback/rounds/<int:round_number>/clauses/<int:number>")
@cached_page(per_minute=False)
def round_clause(slug: str, round_number: int, number: int):
    consultation = db.first_or_404(public_consultation_by_slug(slug))
    if round_number == consultation.current_round:
        return redirect(url_for(".clause", slug=slug, number=number, **request.args), code=301)
    return _render_clause(slug, number, round_number)


@bp.app_template_global()
def feedback_clause_url(consultation: Consultation, item: ClauseFeedback, **args) -> str:
    """The page of a clause's (or the whole document's) published feedback."""
    if item.clause is None:
        return url_for("feedback.whole", slug=consultation.slug, **args)
    if item.round_number and item.round_number != consultation.current_round:
        return url_for("feedback.round_clause", slug=consultation.slug, round_number=item.round_number,
                       number=item.clause.number, **args)
    return url_for("feedback.clause", slug=consultation.slug, number=item.clause.number, **args)


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
