"""The retention purge: contact details go RETENTION_DAYS after a consultation closed.

What goes, per comment of a consultation closed at least RETENTION_DAYS ago: the name (unless the
commenter consented to have it published: see `_name_is_public`), phone, email, postal address, IP
hash, and the organisation of individuals (for them it is an employer, personal data; a company's
or social organisation's name is the submitter itself and stays). Also: the scans of offline
originals (letters carry names, addresses, signatures), every outbox message of the consultation
(receipts, feedback notices, digests and close notices name or address commenters) and the file
names of originals in audit entries. What stays: the opinions, their stance, identity type,
channel, dates, status, moderation and decisions, receipt codes, so reports and statistics come
out the same (participants are counted through a random pseudonym set here, `participant_ref`).

Beyond consultations: outbox messages sent or failed more than RETENTION_DAYS ago, and the
IP-hash keys of months that are over (see iphash.py).

Idempotent: a second run finds nothing left to remove and records nothing. Every run that removes
something records one audit entry per consultation (and one for destroyed keys) with the counts.
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, String, cast, delete, func, literal, or_, select

from ..audit.models import AuditEntry
from ..audit.services import record
from ..comments.models import Comment, IdentityType
from ..consultations.models import Consultation
from ..digests.models import Digest
from ..extensions import db
from ..intake.models import Attachment
from ..intake.uploads import discard
from ..mail.models import OutboxMessage, OutboxStatus
from ..timeutil import now_utc, to_local
from .iphash import destroy_keys, expired_key_periods

log = logging.getLogger("westlake_feedback.privacy")

CONTACT_FIELDS = ("name", "phone", "email", "postal_address", "ip_hash")
PERSONAL_ORGANISATION = (IdentityType.INDIVIDUAL.value, IdentityType.OTHER.value)
AUDIT_CONTACT_KEYS = frozenset({"name", "phone", "email", "postal_address", "organisation", "original_filename"})


@dataclass
class ConsultationPurge:
    consultation_id: int
    slug: str
    closes_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    stored_names: list[str] = field(default_factory=list)  # original files to delete after commit

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {count}" for name, count in self.counts.items() if count)
        return f"{self.slug} (closed {to_local(self.closes_at):%Y-%m-%d %H:%M}): {parts or 'nothing left to remove'}"


@dataclass
class PurgeResult:
    dry_run: bool
    consultations: list[ConsultationPurge] = field(default_factory=list)
    old_outbox_messages: int = 0
    ip_hash_keys: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.consultations) + self.old_outbox_messages + len(self.ip_hash_keys)


def retention() -> timedelta:
    return timedelta(days=int(current_app.config["RETENTION_DAYS"]))


def due_consultations(now: datetime) -> Select:
    """Consultations whose window closed at least the retention period before `now`."""
    return select(Consultation).where(Consultation.closes_at <= now - retention()).order_by(Consultation.id)


def _name_is_public(comment: Comment) -> bool:
    """Whether the commenter consented to have the name published beside the comment (同意公开
    姓名/单位): the name is then part of the public record and stays."""
    return bool(comment.publish_name)


def _has_contacts():
    return or_(
        *(getattr(Comment, name).is_not(None) for name in CONTACT_FIELDS if name != "name"),
        Comment.name.is_not(None) & Comment.publish_name.is_(False),
        Comment.organisation.is_not(None) & Comment.identity_type.in_(PERSONAL_ORGANISATION),
    )


def _outbox_of(consultation: Consultation):
    receipt_keys = select(literal("receipt:", String) + cast(Comment.id, String)).where(
        Comment.consultation_id == consultation.id
    )
    digest_messages = select(Digest.message_id).where(
        Digest.consultation_id == consultation.id, Digest.message_id.is_not(None)
    )
    return or_(
        OutboxMessage.dedupe_key.in_(receipt_keys),
        OutboxMessage.dedupe_key.startswith(f"feedback:{consultation.id}:", autoescape=True),
        OutboxMessage.dedupe_key.startswith(f"close:{consultation.id}:", autoescape=True),
        OutboxMessage.id.in_(digest_messages),
    )


def _audit_of(consultation: Consultation):
    comment_ids = select(Comment.id).where(Comment.consultation_id == consultation.id)
    attachment_ids = select(Attachment.id).where(Attachment.comment_id.in_(comment_ids))
    return or_(
        (AuditEntry.target_type == "comments") & AuditEntry.target_id.in_(comment_ids.with_only_columns(
            cast(Comment.id, String))),
        (AuditEntry.target_type == "attachments") & AuditEntry.target_id.in_(attachment_ids.with_only_columns(
            cast(Attachment.id, String))),
    )


def _removable(comment: Comment) -> list[str]:
    """The fields of this comment the purge empties."""
    names = [name for name in CONTACT_FIELDS if getattr(comment, name) is not None]
    if _name_is_public(comment) and "name" in names:
        names.remove("name")
    if comment.organisation is not None and comment.identity_type in PERSONAL_ORGANISATION:
        names.append("organisation")
    return names


def _scrubbed(entry: AuditEntry, receipt_codes: dict[int, str], attachment_comments: dict[int, int]) -> bool:
    """Remove contact details from one audit entry; True if it changed."""
    changed = False
    if entry.action == "download_original" and entry.target_type == "attachments":
        comment_id = attachment_comments.get(int(entry.target_id))
        summary = receipt_codes.get(comment_id, "") + " (原件已按保存期限删除)"
        if entry.summary != summary:
            entry.summary, changed = summary, True
    if entry.changes:
        values = json.loads(entry.changes)
        kept = {key: value for key, value in values.items() if key not in AUDIT_CONTACT_KEYS}
        if kept != values:
            entry.changes, changed = (json.dumps(kept, ensure_ascii=False) if kept else None), True
    return changed


def purge_consultation(consultation: Consultation, dry_run: bool) -> ConsultationPurge:
    """Remove (or with dry_run only count) what the retention period ends for one consultation.
    No commit: the caller commits, then deletes `stored_names`."""
    plan = ConsultationPurge(consultation.id, consultation.slug, consultation.closes_at)
    candidates = db.session.scalars(
        select(Comment).where(Comment.consultation_id == consultation.id, _has_contacts()).order_by(Comment.id)
    ).all()
    removals = {comment: _removable(comment) for comment in candidates}
    removals = {comment: names for comment, names in removals.items() if names}
    counts = plan.counts
    counts["comments"] = len(removals)
    for name in (*CONTACT_FIELDS, "organisation"):
        counts[name] = sum(1 for names in removals.values() if name in names)
    comment_ids = select(Comment.id).where(Comment.consultation_id == consultation.id)
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.comment_id.in_(comment_ids)).order_by(Attachment.id)
    ).all()
    counts["originals"] = len(attachments)
    outbox_filter = _outbox_of(consultation)
    counts["outbox_messages"] = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(outbox_filter))
    receipt_codes = dict(
        db.session.execute(select(Comment.id, Comment.receipt_code).where(Comment.id.in_(comment_ids))).all()
    )
    attachment_comments = {a.id: a.comment_id for a in attachments}
    with db.session.no_autoflush:
        entries = db.session.scalars(select(AuditEntry).where(_audit_of(consultation))).all()
        scrubbed = [entry for entry in entries if _scrubbed(entry, receipt_codes, attachment_comments)]
    counts["audit_entries"] = len(scrubbed)
    if dry_run:
        return plan  # the caller rolls back: the scrubbed entries never reach the database

    _pseudonymise(list(removals))
    for comment, names in removals.items():
        for name in names:
            setattr(comment, name, None)
    plan.stored_names = [a.stored_name for a in attachments]
    for attachment in attachments:
        db.session.delete(attachment)
    db.session.execute(delete(OutboxMessage).where(outbox_filter).execution_options(synchronize_session=False))
    return plan


def _pseudonymise(comments: list[Comment]) -> None:
    """Give comments by one commenter (as the report tells them apart) one random pseudonym."""
    from ..reports.loading import participant_key

    refs: dict[str, str] = {}
    for comment in comments:
        if comment.participant_ref:
            continue
        key = participant_key(comment)
        if key is not None:
            comment.participant_ref = refs.setdefault(key, secrets.token_hex(12))


def _old_outbox(now: datetime):
    return (
        OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.FAILED.value])
        & (OutboxMessage.created_at <= now - retention())
    )


def purge(now: datetime | None = None, dry_run: bool = False, actor_email: str = "privacy purge") -> PurgeResult:
    """Run the purge (see the module docstring); with dry_run count only and change nothing.
    Commits once per consultation, so a long run keeps what it did if it is stopped."""
    now = now or now_utc()
    result = PurgeResult(dry_run=dry_run)
    consultation_ids = db.session.scalars(due_consultations(now).with_only_columns(Consultation.id)).all()
    for consultation_id in consultation_ids:
        query = select(Consultation).where(Consultation.id == consultation_id)
        if not dry_run and db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # two purges at once: the second sees the first's work
        consultation = db.session.scalar(query)
        plan = purge_consultation(consultation, dry_run)
        result.consultations.append(plan)
        if dry_run or not plan.total:
            db.session.rollback()
            continue
        record("privacy_purge", target=consultation, actor_email=actor_email,
               summary=f"{consultation.slug}: 保存期限届满,删除个人信息",
               changes={name: [count, 0] for name, count in plan.counts.items() if count})
        db.session.commit()
        for stored_name in plan.stored_names:  # after the commit: a rollback never loses a file
            discard(stored_name)
        log.info("privacy purge: %s", plan)

    old = select(func.count()).select_from(OutboxMessage).where(_old_outbox(now))
    result.old_outbox_messages = db.session.scalar(old)
    result.ip_hash_keys = expired_key_periods(now)
    if dry_run:
        db.session.rollback()
        return result
    if result.old_outbox_messages:
        db.session.execute(delete(OutboxMessage).where(_old_outbox(now)).execution_options(synchronize_session=False))
    if result.ip_hash_keys:
        destroy_keys(result.ip_hash_keys)
    if result.old_outbox_messages or result.ip_hash_keys:
        record("privacy_purge", target_type="ip_hash_keys", actor_email=actor_email,
               summary="保存期限届满:删除过期的IP哈希密钥和旧邮件",
               changes={name: value for name, value in (
                   ("ip_hash_keys", [result.ip_hash_keys, []]),
                   ("old_outbox_messages", [result.old_outbox_messages, 0]),
               ) if value[0]})
    db.session.commit()
    return result

