"""The codebook and tagging. Every change is audit-logged in the caller's transaction (the view
commits); a change that changes nothing records nothing. Queries are functions returning select()."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select

from ..accounts.models import User
from ..audit.services import record
from ..comments.forms import normalise_text
from ..comments.models import Comment
from ..consultations.models import Consultation
from ..extensions import db
from ..moderation.services import ModerationError, parse_ids
from .models import DESCRIPTION_MAX, NAME_MAX, SEPARATOR, CommentTag, Tag


class TagError(ModerationError):
    """Refused: the message is shown to the staff member as is."""


# ---- queries -------------------------------------------------------------------------------------

def codebook(consultation_id: int) -> Select:
    """The consultation's tags by name."""
    return select(Tag).where(Tag.consultation_id == consultation_id).order_by(Tag.name, Tag.id)


def codebook_with_counts(consultation_id: int) -> Select:
    """(Tag, number of comments carrying it), by name: one GROUP BY along (tag_id, comment_id)."""
    used = (select(CommentTag.tag_id, func.count().label("n")).join(Tag, Tag.id == CommentTag.tag_id)
            .where(Tag.consultation_id == consultation_id).group_by(CommentTag.tag_id).subquery())
    return (select(Tag, func.coalesce(used.c.n, 0)).outerjoin(used, used.c.tag_id == Tag.id)
            .where(Tag.consultation_id == consultation_id).order_by(Tag.name, Tag.id))


def tags_of(comment_ids: Iterable[int]) -> dict[int, list[Tag]]:
    """comment id -> its tags by name, for a page of comments: one query."""
    ids = sorted(set(comment_ids))
    found: dict[int, list[Tag]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(CommentTag.comment_id, Tag).join(Tag, Tag.id == CommentTag.tag_id)
        .where(CommentTag.comment_id.in_(ids)).order_by(Tag.name, Tag.id)
    )
    for comment_id, tag in rows:
        found.setdefault(comment_id, []).append(tag)
    return found


def tag_names_of(comment_ids: Iterable[int]) -> dict[int, list[str]]:
    """comment id -> its tag names by name (for exports: one query per batch of ids, Core rows)."""
    ids = sorted(set(comment_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    rows = db.session.connection().execute(
        select(CommentTag.comment_id, Tag.name).join(Tag, Tag.id == CommentTag.tag_id)
        .where(CommentTag.comment_id.in_(ids)).order_by(Tag.name, Tag.id)
    )
    for comment_id, name in rows:
        found.setdefault(comment_id, []).append(name)
    return found


def tag_in(consultation: Consultation, tag_id) -> Tag:
    """The tag of this consultation with that id, or TagError (another consultation's tag too)."""
    if isinstance(tag_id, str):
        tag_id = int(tag_id) if tag_id.isdigit() and len(tag_id) < 10 else None
    tag = db.session.get(Tag, tag_id) if isinstance(tag_id, int) else None
    if tag is None or tag.consultation_id != consultation.id:
        raise TagError(_l("该标签不存在或不属于本次征求意见,请从列表中选择。"))
    return tag


# ---- the codebook --------------------------------------------------------------------------------

def clean_name(name: str | None) -> str:
    name = " ".join(normalise_text(name).split())  # one line, single spaces
    if not name:
        raise TagError(_l("请填写标签名称。"))
    if len(name) > NAME_MAX:
        raise TagError(_l("标签名称不能超过%(max)d个字。", max=NAME_MAX))
    if SEPARATOR in name or ";" in name:
        raise TagError(_l("标签名称不能含有分号(导出时用分号分隔多个标签)。"))
    return name


def clean_description(description: str | None) -> str:
    description = normalise_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise TagError(_l("说明不能超过%(max)d个字。", max=DESCRIPTION_MAX))
    return description


def _check_unique(consultation: Consultation, name: str, own_id: int | None = None) -> None:
    query = select(Tag.id).where(Tag.consultation_id == consultation.id, func.lower(Tag.name) == name.lower())
    if own_id is not None:
        query = query.where(Tag.id != own_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise TagError(_l("本次征求意见已有名为“%(name)s”的标签。", name=name))


def create_tag(consultation: Consultation, name: str, description: str, actor: User) -> Tag:
    name, description = clean_name(name), clean_description(description)
    _check_unique(consultation, name)
    tag = Tag(consultation_id=consultation.id, name=name, description=description)
    db.session.add(tag)
    db.session.flush()
    record("codebook_change", target=tag, summary=f"{consultation.slug}: {name}",
           changes={"name": [None, name], "description": [None, description]}, actor=actor)
    return tag


def update_tag(consultation: Consultation, tag: Tag, name: str, description: str, actor: User) -> bool:
    name, description = clean_name(name), clean_description(description)
    _check_unique(consultation, name, own_id=tag.id)
    changes = {key: [old, new] for key, old, new in (("name", tag.name, name),
                                                      ("description", tag.description, description)) if old != new}
    if not changes:
        return False
    tag.name, tag.description = name, description
    record("codebook_change", target=tag, summary=f"{consultation.slug}: {name}", changes=changes, actor=actor)
    return True


def delete_tag(consultation: Consultation, tag: Tag, actor: User) -> int:
    """Removes the tag from the codebook and from every comment; returns how many comments had it."""
    used = db.session.scalar(select(func.count()).select_from(CommentTag).where(CommentTag.tag_id == tag.id))
    record("codebook_change", target=tag, summary=f"{consultation.slug}: {tag.name}",
           changes={"name": [tag.name, None], "description": [tag.description, None], "comments": [used, 0]},
           actor=actor)
    db.session.execute(delete(CommentTag).where(CommentTag.tag_id == tag.id))
    db.session.delete(tag)
    return used


# ---- tagging -------------------------------------------------------------------------------------

def _names(tags: Iterable[Tag]) -> str:
    return SEPARATOR.join(sorted(tag.name for tag in tags)) or None


def _log(comment: Comment, before: list[Tag], after: list[Tag], actor: User) -> None:
    record("comment_tags", target=comment, summary=comment.receipt_code,
           changes={"tags": [_names(before), _names(after)]}, actor=actor)


def set_comment_tags(comment: Comment, raw_tag_ids: list[str], actor: User) -> bool:
    """Make the comment's tags exactly the given ones (the comment page's checkboxes)."""
    if len(raw_tag_ids) > 500 or not all(raw.isdigit() and len(raw) < 12 for raw in raw_tag_ids):
        raise TagError(_l("所选标签无效,请从列表中选择。"))
    wanted_ids = {int(raw) for raw in raw_tag_ids}
    tags = {tag.id: tag for tag in db.session.scalars(codebook(comment.consultation_id))}
    if not wanted_ids <= tags.keys():
        raise TagError(_l("所选标签中有不存在或不属于本次征求意见的标签,未作改动。"))
    current = set(db.session.scalars(select(CommentTag.tag_id).where(CommentTag.comment_id == comment.id)))
    if current == wanted_ids:
        return False
    removed, added = current - wanted_ids, wanted_ids - current
    if removed:
        db.session.execute(delete(CommentTag).where(CommentTag.comment_id == comment.id,
                                                    CommentTag.tag_id.in_(removed)))
    db.session.add_all(CommentTag(comment_id=comment.id, tag_id=t, tagged_by_id=actor.id) for t in sorted(added))
    _log(comment, [tags[t] for t in current], [tags[t] for t in wanted_ids], actor)
    return True


@dataclass
class BulkTagResult:
    changed: int
    unchanged: int


BULK_TAG_ACTIONS = ("add", "remove")


def bulk_tag(consultation: Consultation, raw_ids: list[str], tag_id, action: str, actor: User) -> BulkTagResult:
    """Add one tag to (or remove it from) every selected comment: all or nothing, as the bulk
    moderation is (an unknown id or another consultation's comment refuses the batch). One audit
    entry per comment whose tags changed."""
    if action not in BULK_TAG_ACTIONS:
        raise TagError(_l("请选择添加或移除标签。"))
    tag = tag_in(consultation, tag_id)
    try:
        ids = parse_ids(raw_ids)
    except ModerationError as error:
        raise TagError(error.message) from None
    comments = list(db.session.scalars(
        select(Comment).where(Comment.id.in_(ids), Comment.consultation_id == consultation.id).order_by(Comment.id)))
    if len(comments) != len(ids):
        raise TagError(_l("所选意见中有不存在或不属于本次征求意见的条目,未作任何处理。"))
    current = tags_of(ids)
    changed: list[int] = []
    for comment in comments:
        before = current.get(comment.id, [])
        has = any(t.id == tag.id for t in before)
        if action == "add" and not has:
            _log(comment, before, before + [tag], actor)
            changed.append(comment.id)
        elif action == "remove" and has:
            _log(comment, before, [t for t in before if t.id != tag.id], actor)
            changed.append(comment.id)
    if changed and action == "add":
        db.session.add_all(CommentTag(comment_id=c, tag_id=tag.id, tagged_by_id=actor.id) for c in changed)
    elif changed:
        db.session.execute(delete(CommentTag).where(CommentTag.tag_id == tag.id, CommentTag.comment_id.in_(changed)))
    return BulkTagResult(len(changed), len(comments) - len(changed))
