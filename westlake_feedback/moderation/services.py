"""Moderation actions. Each one changes the comment, audit-logs old→new in the same session and
leaves the commit to the request. An action that would change nothing records nothing."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from ..accounts.models import User
from ..audit.models import AuditEntry
from ..audit.services import diff, record
from ..comments.forms import normalise_text
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import now_utc
from .models import RejectionReason

NOTE_MAX = 500
BULK_MAX = 200


class ModerationError(ValueError):
    """The request cannot be carried out; the message is shown to the staff member as is."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def _moderation_state(comment: Comment) -> dict:
    return {
        "status": comment.status,
        "rejection_reason": comment.rejection_reason,
        "rejection_note": comment.rejection_note,
        "published_body": comment.published_body,
        "publish_name": comment.publish_name,
    }


def _finish(comment: Comment, actor: User, action: str, before: dict, summary: str = "") -> bool:
    changes = diff(before, _moderation_state(comment))
    if not changes:
        return False
    comment.moderated_at = now_utc()
    comment.moderated_by_id = actor.id
    record(action, target=comment, summary=" ".join(filter(None, [comment.receipt_code, summary])),
           changes=changes, actor=actor)
    return True


ACTION_STATUS = {"approve": CommentStatus.APPROVED.value, "reject": CommentStatus.REJECTED.value,
                 "spam": CommentStatus.SPAM.value}


def action_state(action: str, reason: str | None = None, note: str | None = None) -> dict:
    """The status, rejection reason and note approve, reject (with its checked reason and note) or
    mark_spam leave; clusters/bulk.py writes the same for many comments at once."""
    rejected = action == "reject"
    return {"status": ACTION_STATUS[action], "rejection_reason": reason if rejected else None,
            "rejection_note": note if rejected else None}


def _moderate(comment: Comment, actor: User, action: str, reason: str | None = None, note: str | None = None,
              summary: str = "") -> bool:
    before = _moderation_state(comment)
    state = action_state(action, reason, note)
    comment.status, comment.rejection_reason = state["status"], state["rejection_reason"]
    comment.rejection_note = state["rejection_note"]
    return _finish(comment, actor, action, before, summary)


def approve(comment: Comment, actor: User) -> bool:
    return _moderate(comment, actor, "approve")


def check_rejection(reason: str | None, note: str | None) -> tuple[str, str | None]:
    """The reason and cleaned note, or ModerationError with a sentence for the form."""
    if not reason:
        raise ModerationError(_l("请选择不予公开的原因。"))
    if reason not in {r.value for r in RejectionReason}:
        raise ModerationError(_l("不予公开的原因无效,请从列表中选择。"))
    note = normalise_text(note) or None
    if reason == RejectionReason.OTHER.value and not note:
        raise ModerationError(_l("选择“其他”时,请填写具体原因。"))
    if note and len(note) > NOTE_MAX:
        raise ModerationError(_l("说明不能超过%(max)d个字。", max=NOTE_MAX))
    return reason, note


def reject(comment: Comment, actor: User, reason: str | None, note: str | None = None) -> bool:
    reason, note = check_rejection(reason, note)
    return _moderate(comment, actor, "reject", reason, note, RejectionReason(reason).value)


def mark_spam(comment: Comment, actor: User) -> bool:
    return _moderate(comment, actor, "spam")


def redact(comment: Comment, actor: User, text: str | None) -> bool:
    """Set the text the public sees; None (or the original text) publishes the original again."""
    if text is not None:
        text = normalise_text(text)
        if not text:
            raise ModerationError(_l("公开文本不能为空;如需恢复原文,请使用“恢复原文”。"))
        if text == comment.body:
            text = None
    before = _moderation_state(comment)
    comment.published_body = text
    return _finish(comment, actor, "redact", before)


def withdraw_name(comment: Comment, actor: User) -> bool:
    """Show the comment anonymously from now on. Staff may withdraw a commenter's consent to
    publish their name or organisation (for example when the name itself is a problem), never give it."""
    before = _moderation_state(comment)
    comment.publish_name = False
    return _finish(comment, actor, "redact", before, "publish_name")


BULK_ACTIONS = {"approve": _l("审核通过(公开)"), "reject": _l("不予公开"), "spam": _l("标记为垃圾信息")}


@dataclass
class BulkResult:
    changed: int
    unchanged: int


def parse_ids(raw_ids: list[str]) -> list[int]:
    if not raw_ids:
        raise ModerationError(_l("请先勾选要处理的意见。"))
    if len(raw_ids) > BULK_MAX:
        raise ModerationError(_l("一次最多处理%(max)d条意见。", max=BULK_MAX))
    if not all(raw.isdigit() and len(raw) < 12 for raw in raw_ids):
        raise ModerationError(_l("所选意见的编号无效,未作任何处理。"))
    return sorted({int(raw) for raw in raw_ids})


def bulk_moderate(
    consultation: Consultation, raw_ids: list[str], action: str, actor: User,
    reason: str | None = None, note: str | None = None,
) -> BulkResult:
    """All or nothing: an unknown id, or one from another consultation, refuses the whole batch."""
    if action not in BULK_ACTIONS:
        raise ModerationError(_l("请选择要执行的操作。"))
    ids = parse_ids(raw_ids)
    if action == "reject":
        reason, note = check_rejection(reason, note)
    comments = list(db.session.scalars(
        select(Comment).where(Comment.id.in_(ids), Comment.consultation_id == consultation.id).order_by(Comment.id)
    ))
    if len(comments) != len(ids):
        raise ModerationError(_l("所选意见中有不存在或不属于本次征求意见的条目,未作任何处理。"))
    changed = 0
    for comment in comments:
        if action == "approve":
            changed += approve(comment, actor)
        elif action == "reject":
            changed += reject(comment, actor, reason, note)
        else:
            changed += mark_spam(comment, actor)
    return BulkResult(changed=changed, unchanged=len(comments) - changed)


def set_comment_visibility(consultation: Consultation, show: bool, actor: User) -> bool:
    """Whether public clause pages list approved comments (True) or only count them (False)."""
    changes = diff({"show_approved_comments": consultation.show_approved_comments}, {"show_approved_comments": show})
    if not changes:
        return False
    consultation.show_approved_comments = show
    record("setting_change", target=consultation, summary=consultation.slug, changes=changes, actor=actor)
    return True


def comment_history(comment: Comment) -> Select:
    """Audit entries about one comment, oldest first."""
    return (
        select(AuditEntry)
        .where(AuditEntry.target_type == Comment.__tablename__, AuditEntry.target_id == str(comment.id))
        .order_by(AuditEntry.at.asc(), AuditEntry.id.asc())
    )
