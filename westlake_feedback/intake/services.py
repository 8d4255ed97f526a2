"""Recording opinions that came by letter, email, phone or meeting as pending comments.

The window rule: an offline opinion is accepted if it was received within the comment window;
a letter is judged by its postmark instead when one is given (a letter postmarked within the
window is accepted after the close; one postmarked before the window opened or after it closed
is refused). Dates are local calendar days: a day counts as within the window if any part of it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..accounts.models import User
from ..audit.services import record
from ..comments.models import Channel, Comment, CommentStatus
from ..comments.receipts import new_receipt_code
from ..clusters.services import ClusterChanged, assign_cluster
from ..db_errors import StoreFailed, attempts, is_retryable
from ..comments.services import commenter_fields, find_by_token
from ..consultations.models import Consultation, ConsultationStatus
from ..consultations.services import clause_by_number
from ..extensions import db
from ..mail.commenters import enqueue_receipt
from ..templating import format_deadline, format_local
from ..timeutil import local_midnight, now_utc
from .models import Attachment
from .uploads import InspectedUpload, discard, store

OFFLINE_CHANNELS = (Channel.LETTER, Channel.EMAIL, Channel.PHONE, Channel.MEETING)


class IntakeRefused(ValueError):
    """The opinion cannot be recorded; `field` names the form field the message belongs to."""

    def __init__(self, field: str | None, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


class DayPosition(str, Enum):
    BEFORE = "before"
    WITHIN = "within"
    AFTER = "after"


@dataclass
class OfflineInput:
    channel: str
    received_on: date
    stance: str
    body: str
    identity_type: str
    postmarked_on: date | None = None
    clause_number: int | None = None
    name: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    publish_name: bool = False
    token: str | None = None


def day_position(consultation: Consultation, day: date) -> DayPosition:
    """Where a local calendar day lies relative to the window; overlapping days are within."""
    if local_midnight(day + timedelta(days=1)) <= consultation.opens_at:
        return DayPosition.BEFORE
    if local_midnight(day) >= consultation.closes_at:
        return DayPosition.AFTER
    return DayPosition.WITHIN


def check_window(consultation: Consultation, channel: str, received_on: date, postmarked_on: date | None) -> None:
    opens, closes = format_local(consultation.opens_at), format_deadline(consultation.closes_at)
    if channel == Channel.LETTER.value and postmarked_on is not None:
        position = day_position(consultation, postmarked_on)
        if position is DayPosition.BEFORE:
            raise IntakeRefused("postmarked_on", _("邮戳日期早于征求意见开始时间(%(opens)s),不予受理。", opens=opens))
        if position is DayPosition.AFTER:
            raise IntakeRefused(
                "postmarked_on", _("邮戳日期晚于征求意见截止时间(%(closes)s),逾期寄出的信函不予受理。", closes=closes)
            )
        return
    position = day_position(consultation, received_on)
    if position is DayPosition.BEFORE:
        raise IntakeRefused("received_on", _("收到日期早于征求意见开始时间(%(opens)s),不予受理。", opens=opens))
    if position is DayPosition.AFTER:
        if channel == Channel.LETTER.value:
            raise IntakeRefused(
                "received_on",
                _("收到日期晚于征求意见截止时间(%(closes)s)。信函以邮戳日期为准:如邮戳日期在征求意见期间内,请填写邮戳日期。",
                  closes=closes),
            )
        raise IntakeRefused(
            "received_on",
            _("收到日期晚于征求意见截止时间(%(closes)s),逾期收到的%(channel)s意见不予受理。",
              closes=closes, channel=Channel(channel).label),
        )


def record_offline_comment(
    consultation: Consultation,
    data: OfflineInput,
    upload: InspectedUpload | None = None,
    *,
    by: User,
    at: datetime | None = None,
) -> Comment:
    """Store an offline opinion as a pending comment (with its original, if any) and commit.

    A replayed form token returns the comment it already made."""
    at = at or now_utc()
    existing = find_by_token(data.token)
    if existing is not None:
        return existing
    if consultation.is_draft:
        raise IntakeRefused(None, _("该征求意见尚未发布,不能录入意见。"))
    if data.channel not in {c.value for c in OFFLINE_CHANNELS}:
        raise IntakeRefused("channel", _("请选择意见的来源渠道。"))
    check_window(consultation, data.channel, data.received_on, data.postmarked_on)
    clause = None
    if data.clause_number is not None:
        clause = db.session.scalar(clause_by_number(consultation, data.clause_number))
        if clause is None:
            raise IntakeRefused("clause", _("该征求意见没有这一条款,请重新选择。"))

    stored_name = store(upload) if upload is not None else None
    try:
        for _attempt in attempts():
            comment = _new_comment(consultation, clause, data, by, at)
            if stored_name:
                db.session.add(Attachment(
                    comment=comment, original_filename=upload.original_filename, stored_name=stored_name,
                    content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
                    uploaded_by=by, uploaded_at=at,
                ))
            try:
                db.session.flush()
                assign_cluster(comment)
                record(
                    "offline_entry", target=comment, actor=by,
                    summary=f"{comment.receipt_code} {Channel(comment.channel).label}",
                    changes={"status": [None, comment.status], "channel": [None, comment.channel],
                             "received_on": [None, comment.received_on.isoformat()],
                             "attachment": [None, stored_name]},
                )
                enqueue_receipt(comment)  # a sender who gave an email hears back like web commenters
                db.session.commit()
                return comment
            except IntegrityError:
                db.session.rollback()
                existing = find_by_token(data.token)
                if existing is not None:  # a concurrent double submit won the race
                    if stored_name:
                        discard(stored_name)
                    return existing
                # otherwise a receipt-code collision: draw again
            except ClusterChanged:
                db.session.rollback()  # a concurrent comment merged the clusters this one matched
            except OperationalError as error:
                if not is_retryable(error):
                    raise
                db.session.rollback()  # a deadlock's victim on PostgreSQL: nothing was written
        raise StoreFailed()
    except BaseException:
        if stored_name:
            discard(stored_name)
        raise


def _new_comment(consultation, clause, data: OfflineInput, by: User, at: datetime) -> Comment:
    comment = Comment(
        consultation=consultation,
        clause=clause,
        round_number=consultation.current_round,
        **commenter_fields(data),
        postal_address=data.postal_address or None,
        channel=data.channel,
        receipt_code=new_receipt_code(current_app.config["RECEIPT_PREFIX"]),
        status=CommentStatus.PENDING.value,
        created_at=at,
        received_on=data.received_on,
        postmarked_on=data.postmarked_on if data.channel == Channel.LETTER.value else None,
        entered_by=by,
        submission_token=data.token,
    )
    db.session.add(comment)
    return comment


# Queries -----------------------------------------------------------------

def intake_consultations() -> Select:
    """Consultations an offline opinion may be recorded for: every one that has been published."""
    return (
        select(Consultation)
        .where(Consultation.status != ConsultationStatus.DRAFT.value)
        .order_by(Consultation.closes_at.desc())
    )


def recent_offline_comments(limit: int = 20) -> Select:
    return (
        select(Comment)
        .where(Comment.channel != Channel.WEB.value)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )


def offline_comment(comment_id: int) -> Select:
    return select(Comment).where(Comment.id == comment_id, Comment.channel != Channel.WEB.value)
