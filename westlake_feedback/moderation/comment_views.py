"""One comment's staff page and the actions on it; the per-clause summary response."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import EDITORS, STAFF, roles_required
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Clause
from ..consultations.services import clause_by_number
from ..extensions import db
from ..tags.panels import tag_panel
from . import bp
from .decisions import (clause_overview, clause_response_for, comments_with_decisions, set_clause_response,
                        set_decision)
from .history import describe
from .forms import ActionForm, ClauseResponseForm, DecisionForm, RedactForm, RejectForm
from .models import RejectionReason
from .queue_views import can_moderate, get_consultation
from .services import ModerationError, approve, comment_history, mark_spam, redact, reject, withdraw_name


def _back() -> str | None:
    """Where "back to the queue" goes: only ever a staff page on this site."""
    target = request.args.get("back", "")
    if target.startswith("/staff/") and not urlsplit(target).netloc:
        return target
    return None


def _to_comment(comment: Comment):
    return redirect(url_for(".comment", comment_id=comment.id, back=_back()), code=303)


def render_comment(comment: Comment, status: int = 200, **forms):
    decision = comment.decision
    context = {
        "comment": comment,
        "consultation": comment.consultation,
        "clause": comment.clause,
        "clause_response": clause_response_for(comment.clause) if comment.clause else None,
        "history": [describe(entry, show_contact=current_user.sees_contact_details)
                    for entry in db.session.scalars(comment_history(comment))],
        "reasons": RejectionReason,
        "statuses": CommentStatus,
        "decision": decision,
        "can_act": can_moderate(),
        "back": _back(),
        "action_form": forms.get("action_form") or ActionForm(formdata=None),
        "reject_form": forms.get("reject_form") or RejectForm(formdata=None),
        "redact_form": forms.get("redact_form") or RedactForm(formdata=None, published_body=comment.public_body),
        "decision_form": forms.get("decision_form") or DecisionForm(
            formdata=None, outcome=decision.outcome if decision else None,
            response=decision.response if decision else ""),
        "tag_panel": tag_panel(comment, forms.get("tags_form")),
    }
    return render_template("moderation/comment.html", **context), status


@bp.get("/comments/<int:comment_id>")
@roles_required(*STAFF)
def comment(comment_id: int):
    return render_comment(db.get_or_404(Comment, comment_id))


def _simple_action(comment_id: int, action, done: str, unchanged: str):
    comment = db.get_or_404(Comment, comment_id)
    form = ActionForm()
    if not form.validate():
        return render_comment(comment, 400, action_form=form)
    if action(comment, current_user):
        db.session.commit()
        flash(done, "success")
    else:
        flash(unchanged, "success")
    return _to_comment(comment)


@bp.post("/comments/<int:comment_id>/approve")
@roles_required(*EDITORS)
def approve_comment(comment_id: int):
    return _simple_action(comment_id, approve, _("已审核通过,该意见将在公开页面显示。"), _("该意见已是公开状态。"))


@bp.post("/comments/<int:comment_id>/spam")
@roles_required(*EDITORS)
def spam_comment(comment_id: int):
    return _simple_action(comment_id, mark_spam, _("已标记为垃圾信息。"), _("该意见已是垃圾信息。"))


@bp.post("/comments/<int:comment_id>/restore")
@roles_required(*EDITORS)
def restore_comment(comment_id: int):
    return _simple_action(comment_id, lambda c, actor: redact(c, actor, None),
                          _("已恢复公开原文。"), _("公开的已是原文。"))


@bp.post("/comments/<int:comment_id>/withdraw-name")
@roles_required(*EDITORS)
def withdraw_name_view(comment_id: int):
    return _simple_action(comment_id, withdraw_name, _("已撤回姓名/单位的公开,该意见今后匿名公开。"),
                          _("该意见本来就匿名公开。"))


@bp.post("/comments/<int:comment_id>/reject")
@roles_required(*EDITORS)
def reject_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    form = RejectForm()
    if form.validate():
        try:
            changed = reject(comment, current_user, form.reason.data, form.note.data)
        except ModerationError as error:
            form.reason.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("已设为不予公开。") if changed else _("没有变化。"), "success")
            return _to_comment(comment)
    return render_comment(comment, 400, reject_form=form)


@bp.post("/comments/<int:comment_id>/redact")
@roles_required(*EDITORS)
def redact_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    form = RedactForm()
    if form.validate():
        try:
            changed = redact(comment, current_user, form.published_body.data)
        except ModerationError as error:
            form.published_body.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("公开文本已保存。") if changed else _("公开文本没有变化。"), "success")
            return _to_comment(comment)
    return render_comment(comment, 400, redact_form=form)


@bp.post("/comments/<int:comment_id>/decision")
@roles_required(*EDITORS)
def decide_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    form = DecisionForm()
    if form.validate():
        try:
            changed = set_decision(comment, current_user, form.outcome.data, form.response.data)
        except ModerationError as error:
            form.response.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("采纳情况已保存。") if changed else _("采纳情况没有变化。"), "success")
            return _to_comment(comment)
    return render_comment(comment, 400, decision_form=form)


def _clause(slug: str, number: int) -> Clause:
    return db.first_or_404(clause_by_number(get_consultation(slug), number))


def render_clause_response(clause: Clause, form: ClauseResponseForm | None = None, status: int = 200):
    response = clause_response_for(clause)
    rows = db.session.execute(comments_with_decisions(clause.consultation, clause=clause))
    return render_template(
        "moderation/clause_response.html", consultation=clause.consultation, clause=clause, response=response,
        items=[(comment, decision) for comment, decision, _row_clause in rows], can_act=can_moderate(),
        form=form or ClauseResponseForm(formdata=None, text=response.text if response else ""),
    ), status


@bp.get("/c/<slug>/clauses")
@roles_required(*STAFF)
def clause_responses(slug: str):
    """Every clause with its opinions, how many are decided, and whether it has a summary response."""
    consultation = get_consultation(slug)
    rows = db.session.execute(clause_overview(consultation)).all()
    return render_template("moderation/clause_responses.html", consultation=consultation, rows=rows,
                           can_act=can_moderate())


@bp.get("/c/<slug>/clauses/<int:number>/response")
@roles_required(*STAFF)
def clause_response(slug: str, number: int):
    return render_clause_response(_clause(slug, number))


@bp.post("/c/<slug>/clauses/<int:number>/response")
@roles_required(*EDITORS)
def save_clause_response(slug: str, number: int):
    clause = _clause(slug, number)
    form = ClauseResponseForm()
    if form.validate():
        try:
            changed = set_clause_response(clause, current_user, form.text.data)
        except ModerationError as error:
            form.text.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("条款答复已保存。") if changed else _("条款答复没有变化。"), "success")
            return redirect(url_for(".clause_response", slug=slug, number=number), code=303)
    return render_clause_response(clause, form, 400)
