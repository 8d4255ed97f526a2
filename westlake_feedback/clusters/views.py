"""Staff pages of clusters: the consultation's largest clusters, one cluster's members compared
with its first comment, and the actions on a whole cluster (moderators and admins; analysts read)."""
from __future__ import annotations

import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import EDITORS, STAFF, roles_required
from ..comments.models import Comment, CommentStatus
from ..consultations.textdiff import diff_segments, has_changes, render_html
from ..extensions import db
from ..inputs import page_arg
from ..moderation.forms import ActionForm
from ..moderation.models import RejectionReason
from ..moderation.queue_views import can_moderate, get_consultation
from ..moderation.services import ModerationError
from . import staff
from .forms import ClusterActionForm
from .staff import ClusterAction

bp = Blueprint("clusters", __name__, url_prefix="/staff")


@bp.get("/c/<slug>/clusters")
@roles_required(*STAFF)
def index(slug: str):
    consultation = get_consultation(slug)
    page = page_arg(request.args)
    groups, members = staff.count_clusters(consultation)
    rows = db.session.execute(staff.largest_clusters(consultation)
                              .limit(staff.LIST_PER_PAGE).offset((page - 1) * staff.LIST_PER_PAGE)).all()
    pages = max(1, math.ceil(groups / staff.LIST_PER_PAGE))
    return render_template("clusters/index.html", consultation=consultation, rows=rows, groups=groups,
                           members=members, page=page, pages=pages)


def _words() -> dict[str, str]:
    return {"delete_word": _("删除"), "insert_word": _("新增")}


def _compare(first: Comment, member: Comment):
    """(first comment with what this member lacks marked, member with what it adds marked, changed)."""
    if member.id == first.id:
        return None
    segments = diff_segments(first.body, member.body)
    words = _words()
    return render_html(segments, "old", **words), render_html(segments, "new", **words), has_changes(segments)


def _cluster_or_redirect(consultation, cluster_id: int):
    cluster = staff.cluster_of(consultation, cluster_id)
    if cluster is not None:
        return cluster, None
    # A cluster merged into an older one: its id is still a comment of that older cluster.
    comment = db.session.get(Comment, cluster_id)
    if (comment is not None and comment.consultation_id == consultation.id and comment.cluster_id
            and comment.cluster_id != cluster_id):
        return None, redirect(url_for(".cluster", slug=consultation.slug, cluster_id=comment.cluster_id))
    abort(404)


def render_cluster(consultation, cluster, form: ClusterActionForm | None = None, status: int = 200):
    page = page_arg(request.args)
    first = staff.first_comment(cluster)
    summary = staff.summary(cluster)
    members = staff.members_page(cluster, page)
    pages = max(1, math.ceil(summary.size / staff.MEMBERS_PER_PAGE))
    rest = staff.rest_action(first)
    return render_template(
        "clusters/cluster.html", consultation=consultation, cluster=cluster, first=first, summary=summary,
        rows=[(member, _compare(first, member)) for member in members], page=page, pages=pages,
        rest=rest, can_act=can_moderate(), form=form or ClusterActionForm(formdata=None),
        statuses=CommentStatus, reasons=RejectionReason,
    ), status


@bp.get("/c/<slug>/clusters/<int:cluster_id>")
@roles_required(*STAFF)
def cluster(slug: str, cluster_id: int):
    consultation = get_consultation(slug)
    found, moved = _cluster_or_redirect(consultation, cluster_id)
    return moved or render_cluster(consultation, found)


def _done(result: staff.ClusterResult, slug: str, cluster_id: int):
    db.session.commit()
    flash(_("已处理本组%(members)d条意见:审核状态改变%(moderated)d条,采纳情况写入%(decided)d条。",
            members=result.members, moderated=result.moderated, decided=result.decided), "success")
    return redirect(url_for(".cluster", slug=slug, cluster_id=cluster_id), code=303)


@bp.post("/c/<slug>/clusters/<int:cluster_id>/apply")
@roles_required(*EDITORS)
def apply(slug: str, cluster_id: int):
    """One moderation action and one decision for every member, each member its own rows."""
    consultation = get_consultation(slug)
    found, moved = _cluster_or_redirect(consultation, cluster_id)
    if moved:
        return moved
    form = ClusterActionForm()
    if form.validate():
        act = ClusterAction(form.action.data or None, form.reason.data or None, form.note.data,
                            form.outcome.data or None, form.response.data or "")
        try:
            result = staff.apply_to_cluster(found, act, current_user)
        except ModerationError as error:
            db.session.rollback()
            form.action.errors.append(error.message)
        else:
            return _done(result, slug, found.id)
    return render_cluster(consultation, found, form, status=400)


@bp.post("/c/<slug>/clusters/<int:cluster_id>/apply-rest")
@roles_required(*EDITORS)
def apply_rest(slug: str, cluster_id: int):
    """The first comment's status and decision for the members that have no decision yet."""
    consultation = get_consultation(slug)
    found, moved = _cluster_or_redirect(consultation, cluster_id)
    if moved:
        return moved
    if not ActionForm().validate():  # nothing to fill in but the CSRF token
        return render_cluster(consultation, found, status=400)
    try:
        result = staff.apply_to_rest(found, current_user)
    except ModerationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".cluster", slug=slug, cluster_id=found.id), code=303)
    return _done(result, slug, found.id)
