"""The moderation queue, bulk actions on it, and the per-consultation visibility setting."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import ADMINS, EDITORS, STAFF, roles_required
from ..clusters.staff import unclustered_exists
from ..comments.models import Channel, CommentStatus, IdentityType, Stance
from ..consultations.models import Consultation
from ..consultations.services import all_consultations, consultation_by_slug
from ..extensions import db
from ..inputs import page_arg
from ..timeutil import now_utc
from . import bp
from .forms import BulkForm, VisibilityForm
from .models import DecisionOutcome, RejectionReason
from .queue import (
    SORTS, WHOLE_DRAFT, QueueFilters, busiest_consultation, count_cap, count_label, decision_filter_choices, pending_counts,
    queue_page, status_counts,
)
from ..tags.queue import queue_tag_context
from .services import BULK_ACTIONS, ModerationError, bulk_moderate, set_comment_visibility


def get_consultation(slug: str) -> Consultation:
    return db.first_or_404(consultation_by_slug(slug))


def back_to_queue(slug: str, filters: QueueFilters):
    """After a bulk action: the queue as it was (its filters and page)."""
    args = filters.to_args()
    if page_arg(request.args) > 1:
        args["page"] = page_arg(request.args)
    return redirect(url_for("moderation.queue", slug=slug, **args), code=303)


def can_moderate() -> bool:
    return current_user.has_role(*EDITORS)


def render_queue(consultation: Consultation | None, filters: QueueFilters, bulk_form: BulkForm | None = None,
                 status: int = 200, tag_form=None):
    consultations = list(db.session.scalars(all_consultations()))
    context = {
        "consultation": consultation,
        "consultations": consultations,
        "pending": pending_counts(),
        "filters": filters,
        "can_act": can_moderate(),
        "at": now_utc(),
    }
    if consultation is not None:
        counts = status_counts(consultation, filters)
        context.update(
            page=queue_page(consultation, filters, page_arg(request.args), counts),
            counts=counts, all_count=sum(counts.values()), count_label=count_label, count_cap=count_cap(filters),
            bulk_form=bulk_form or BulkForm(formdata=None),
            statuses=CommentStatus, stances=Stance, identities=IdentityType, channels=Channel,
            sorts=SORTS, decision_choices=decision_filter_choices(), whole_draft=WHOLE_DRAFT,
            reasons=RejectionReason, outcomes=DecisionOutcome, bulk_actions=BULK_ACTIONS,
            unclustered=bool(filters.cluster or filters.sort == "cluster") and unclustered_exists(consultation),
        )
        context.update(queue_tag_context(consultation, context["page"].items, tag_form))
    return render_template("moderation/queue.html", **context), status


@bp.get("/")
@roles_required(*STAFF)
def index():
    """The queue of the chosen consultation; by default the one with most comments waiting."""
    slug = request.args.get("c")
    if slug:
        consultation = get_consultation(slug)
    else:
        consultation = busiest_consultation(list(db.session.scalars(all_consultations())), pending_counts())
    return render_queue(consultation, QueueFilters.from_args(request.args))


@bp.get("/c/<slug>/comments")
@roles_required(*STAFF)
def queue(slug: str):
    return render_queue(get_consultation(slug), QueueFilters.from_args(request.args))


@bp.post("/c/<slug>/comments/bulk")
@roles_required(*EDITORS)
def bulk(slug: str):
    """The form's action URL carries the queue's filters, so the queue comes back as it was."""
    consultation = get_consultation(slug)
    filters = QueueFilters.from_args(request.args)
    form = BulkForm()
    if form.validate():
        try:
            result = bulk_moderate(consultation, form.ids.data, form.action.data, current_user,
                                   reason=form.reason.data, note=form.note.data)
        except ModerationError as error:
            db.session.rollback()
            form.ids.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("已处理%(changed)d条意见;%(unchanged)d条原本已是该状态,未作改动。",
                    changed=result.changed, unchanged=result.unchanged), "success")
            return back_to_queue(slug, filters)
    return render_queue(consultation, filters, form, status=400)


@bp.get("/c/<slug>/visibility")
@roles_required(*ADMINS)
def visibility(slug: str):
    consultation = get_consultation(slug)
    form = VisibilityForm(formdata=None, show="1" if consultation.show_approved_comments else "0")
    return render_template("moderation/visibility.html", consultation=consultation, form=form)


@bp.post("/c/<slug>/visibility")
@roles_required(*ADMINS)
def save_visibility(slug: str):
    consultation = get_consultation(slug)
    form = VisibilityForm()
    if not form.validate():
        return render_template("moderation/visibility.html", consultation=consultation, form=form), 400
    if set_comment_visibility(consultation, form.show.data == "1", current_user):
        db.session.commit()
        flash(_("设置已保存。"), "success")
    else:
        flash(_("设置没有变化。"), "success")
    return redirect(url_for(".visibility", slug=slug), code=303)
