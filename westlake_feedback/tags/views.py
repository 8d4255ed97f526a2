"""The codebook page (admins edit it, every staff role reads it), tagging one comment on its page
and tagging the ticked comments of the queue (moderators and admins)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import ADMINS, EDITORS, STAFF, roles_required
from ..comments.models import Comment
from ..extensions import db
from ..moderation.comment_views import _back, render_comment
from ..moderation.forms import BulkForm
from ..moderation.queue import QueueFilters
from ..moderation.queue_views import back_to_queue, get_consultation, render_queue
from . import bp  # noqa: F401 (re-exported for the app factory)
from .forms import BulkTagForm, CommentTagsForm, DeleteTagForm, TagForm
from .models import Tag
from .services import (TagError, bulk_tag, codebook_with_counts, create_tag, delete_tag, set_comment_tags,
                       update_tag)


def render_codebook(consultation, form: TagForm | None = None, status: int = 200):
    rows = db.session.execute(codebook_with_counts(consultation.id)).all()
    return render_template("tags/codebook.html", consultation=consultation, rows=rows,
                           can_edit=current_user.has_role(*ADMINS), form=form or TagForm(formdata=None)), status


@bp.get("/c/<slug>/tags")
@roles_required(*STAFF)
def codebook(slug: str):
    return render_codebook(get_consultation(slug))


@bp.post("/c/<slug>/tags")
@roles_required(*ADMINS)
def create(slug: str):
    consultation = get_consultation(slug)
    form = TagForm()
    if form.validate():
        try:
            tag = create_tag(consultation, form.name.data, form.description.data, current_user)
        except TagError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("已添加标签“%(name)s”。", name=tag.name), "success")
            return redirect(url_for(".codebook", slug=slug), code=303)
    return render_codebook(consultation, form, 400)


def _tag(consultation, tag_id: int) -> Tag:
    tag = db.get_or_404(Tag, tag_id)
    if tag.consultation_id != consultation.id:
        abort(404)
    return tag


def render_edit(consultation, tag: Tag, form: TagForm | None = None, delete_form: DeleteTagForm | None = None,
                status: int = 200):
    return render_template(
        "tags/edit.html", consultation=consultation, tag=tag,
        form=form or TagForm(formdata=None, name=tag.name, description=tag.description),
        delete_form=delete_form or DeleteTagForm(formdata=None)), status


@bp.get("/c/<slug>/tags/<int:tag_id>")
@roles_required(*ADMINS)
def edit(slug: str, tag_id: int):
    consultation = get_consultation(slug)
    return render_edit(consultation, _tag(consultation, tag_id))


@bp.post("/c/<slug>/tags/<int:tag_id>")
@roles_required(*ADMINS)
def update(slug: str, tag_id: int):
    consultation = get_consultation(slug)
    tag = _tag(consultation, tag_id)
    form = TagForm()
    if form.validate():
        try:
            changed = update_tag(consultation, tag, form.name.data, form.description.data, current_user)
        except TagError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("标签已保存。") if changed else _("标签没有变化。"), "success")
            return redirect(url_for(".codebook", slug=slug), code=303)
    return render_edit(consultation, tag, form=form, status=400)


@bp.post("/c/<slug>/tags/<int:tag_id>/delete")
@roles_required(*ADMINS)
def delete(slug: str, tag_id: int):
    consultation = get_consultation(slug)
    tag = _tag(consultation, tag_id)
    form = DeleteTagForm()
    if not form.validate():
        return render_edit(consultation, tag, delete_form=form, status=400)
    name = tag.name
    used = delete_tag(consultation, tag, current_user)
    db.session.commit()
    flash(_("已删除标签“%(name)s”,并从%(count)d条意见上移除。", name=name, count=used), "success")
    return redirect(url_for(".codebook", slug=slug), code=303)


@bp.post("/comments/<int:comment_id>/tags")
@roles_required(*EDITORS)
def comment_tags(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    form = CommentTagsForm()
    if form.validate():
        try:
            changed = set_comment_tags(comment, form.tag_ids.data, current_user)
        except TagError as error:
            db.session.rollback()
            form.tag_ids.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("标签已保存。") if changed else _("标签没有变化。"), "success")
            return redirect(url_for("moderation.comment", comment_id=comment.id, back=_back()), code=303)
    return render_comment(comment, 400, tags_form=form)


@bp.post("/c/<slug>/comments/bulk-tags")
@roles_required(*EDITORS)
def bulk_tags(slug: str):
    """Posted by the queue's bulk form (its 添加标签 / 移除标签 buttons); the action URL carries the
    queue's filters, so the queue comes back as it was, with the selection kept on an error."""
    consultation = get_consultation(slug)
    filters = QueueFilters.from_args(request.args)
    form = BulkTagForm()
    if form.validate():
        try:
            result = bulk_tag(consultation, form.ids.data, form.tag.data, form.tag_action.data, current_user)
        except TagError as error:
            db.session.rollback()
            form.tag.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("已为%(changed)d条意见更新标签;%(unchanged)d条无需改动。",
                    changed=result.changed, unchanged=result.unchanged), "success")
            return back_to_queue(slug, filters)
    moderation_form = BulkForm(formdata=None)
    moderation_form.ids.data = form.ids.data
    moderation_form.ids.errors = list(form.ids.errors)
    return render_queue(consultation, filters, moderation_form, status=400, tag_form=form)
