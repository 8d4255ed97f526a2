"""What the moderation queue shows of tags: the tag filter's choices, each listed comment's tags,
and the bulk tag form (kept here so the queue's own module only adds one call)."""
from __future__ import annotations

from ..extensions import db

UNTAGGED = 0  # the queue's tag filter value for comments without any tag


def queue_tag_context(consultation, comments, tag_form=None) -> dict:
    """Two queries: the codebook, and the tags of the listed comments."""
    from .forms import BulkTagForm
    from .services import codebook, tags_of

    return {
        "codebook": list(db.session.scalars(codebook(consultation.id))),
        "row_tags": tags_of(comment.id for comment in comments),
        "tag_form": tag_form or BulkTagForm(formdata=None),
        "untagged": UNTAGGED,
    }


def tag_condition(tag_id: int):
    """The queue's tag filter as a condition on comments alone: an IN over the index (tag_id,
    comment_id) for a tag, a NOT EXISTS on the primary key (comment_id, tag_id) for no tag."""
    from sqlalchemy import select

    from ..comments.models import Comment
    from .models import CommentTag

    if tag_id == UNTAGGED:
        return ~select(CommentTag.tag_id).where(CommentTag.comment_id == Comment.id).correlate(Comment).exists()
    return Comment.id.in_(select(CommentTag.comment_id).where(CommentTag.tag_id == tag_id))
