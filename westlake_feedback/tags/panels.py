"""The tags section of a comment's staff page (two queries: the codebook, the comment's tags)."""
from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db


@dataclass
class TagPanel:
    current: list  # the comment's tags, by name
    codebook: list  # every tag of the consultation, by name
    selected: set[int]  # ticked boxes: the current tags, or what was submitted when refused
    form: object


def tag_panel(comment, form=None) -> TagPanel:
    from .forms import CommentTagsForm
    from .services import codebook, tags_of

    current = tags_of([comment.id]).get(comment.id, [])
    if form is not None:
        selected = {int(raw) for raw in form.tag_ids.data or [] if raw.isdigit() and len(raw) < 10}
    else:
        selected = {tag.id for tag in current}
    return TagPanel(current, list(db.session.scalars(codebook(comment.consultation_id))), selected,
                    form or CommentTagsForm(formdata=None))
