"""Building and enqueueing digests and close notices, each in one transaction.

Which comments a digest holds is recorded in the database: a digest run stamps its id on every
comment of the consultation that no digest has reported yet (comments.digest_id IS NULL) and
builds the message from exactly those rows, in the same transaction as the Digest row and the
outbox message. A comment committed a moment later (even if it was created earlier) is simply
left for the next digest; a failed send is retried from the outbox, so nothing is skipped or
repeated. Spam (the honeypot) is not reported while it is spam; a comment rescued from spam by a
moderator has no digest yet and goes into the next one.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..comments.models import Channel, Comment, CommentStatus, Stance
from ..consultations.models import Clause, Consultation
from ..extensions import db
from ..mail.models import MessageKind
from ..mail.services import MailAttachment, absolute_url, clean_recipients, enqueue, mail_locale, render_mail
from ..mail.transport import uses_smtp
from ..timeutil import now_utc, to_local
from .content import DigestContent, digest_content, labelled_counts
from .models import Digest, DigestKind

log = logging.getLogger("westlake_feedback.digests")

NOT_SPAM = Comment.status != CommentStatus.SPAM.value


def digest_recipients(consultation: Consultation) -> list[str]:
    """The notice's contact mailbox plus the consultation's extra recipients. A demonstration copy
    never writes to the real contact mailbox over SMTP (its .eml files harm nobody)."""
    contact = [consultation.email] if consultation.email else []
    if consultation.is_demo and uses_smtp():
        contact = []
    return clean_recipients(contact + consultation.extra_digest_recipients)


def moderation_url(consultation: Consultation, comment: Comment | None = None) -> str:
    """The consultation's moderation queue, or one comment's staff page."""
    if comment is not None:
        return absolute_url("moderation.comment", comment_id=comment.id)
    return absolute_url("moderation.queue", slug=consultation.slug)


def local_date_text(moment: datetime | date) -> str:
    day = to_local(moment).date() if isinstance(moment, datetime) else moment
    return f"{day.year}年{day.month}月{day.day}日"


# What a digest says: see content.py --------------------------------------------

def total_comments(consultation: Consultation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.consultation_id == consultation.id, NOT_SPAM)
    )


def digest_subject(consultation: Consultation, digest: Digest, count: int) -> str:
    if digest.kind == DigestKind.FINAL.value:  # sent just after midnight: name the window's last day
        day = local_date_text(min(digest.created_at, consultation.closes_at - timedelta(seconds=1)))
    else:
        day = local_date_text(digest.slot_date or digest.created_at)
    with mail_locale():
        name = {
            DigestKind.SCHEDULED.value: _("意见征集日报"),
            DigestKind.ON_DEMAND.value: _("意见征集汇总"),
            DigestKind.FINAL.value: _("截止前最后一批意见"),
        }[digest.kind]
        demo = _("[演示]") if consultation.is_demo else ""
        if count:
            return _("%(demo)s【%(name)s】%(date)s 新增意见%(count)d条:%(title)s",
                     demo=demo, name=name, date=day, count=count, title=consultation.title)
        return _("%(demo)s【%(name)s】%(date)s 无新增意见:%(title)s", demo=demo, name=name, date=day,
                 title=consultation.title)


def _previous_digest_at(digest: Digest) -> datetime | None:
    return db.session.scalar(
        select(func.max(Digest.created_at)).where(Digest.consultation_id == digest.consultation_id, Digest.id != digest.id)
    )


def collect_digest(
    consultation: Consultation, kind: DigestKind, *, slot_date: date | None = None, now: datetime | None = None,
    send_empty: bool | None = None,
) -> Digest | None:
    """Within the caller's transaction: record a digest, claim the unreported comments, enqueue the
    mail. None when the scheduled slot was taken by someone else (the transaction is then rolled
    back) or there is nobody to send to (nothing is written)."""
    now = now or now_utc()
    recipients = digest_recipients(consultation)
    if not recipients:  # a demo under SMTP without extra recipients, or a notice without an address
        (log.debug if consultation.is_demo else log.warning)(
            "consultation %s has no digest recipients; comments wait", consultation.slug
        )
        return None
    digest = Digest(consultation_id=consultation.id, kind=kind.value, slot_date=slot_date, created_at=now)
    db.session.add(digest)
    try:
        db.session.flush()  # a second worker fails here on the unique (consultation, slot_date)
    except IntegrityError:
        db.session.rollback()
        return None
    db.session.execute(
        update(Comment)
        .where(Comment.consultation_id == consultation.id, Comment.digest_id.is_(None), NOT_SPAM)
        .values(digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    content = digest_content(consultation, digest.id)
    digest.comment_count = content.count
    send_empty = consultation.digest_send_empty if send_empty is None else send_empty
    if content.count or send_empty:
        message = enqueue(
            MessageKind.DIGEST, recipients, digest_subject(consultation, digest, content.count),
            *_digest_bodies(consultation, digest, content), dedupe_key=f"digest:{digest.id}", at=now,
        )
        db.session.flush()
        digest.message_id = message.id
    return digest


def _digest_bodies(consultation: Consultation, digest: Digest, content: DigestContent) -> tuple[str, str]:
    return render_mail(
        "digest",
        consultation=consultation,
        digest=digest,
        content=content,
        comments=content.comments,
        count=content.count,
        groups=content.groups,
        stances=content.stances,
        channels=content.channels,
        total=total_comments(consultation),
        since=_previous_digest_at(digest),
        queue_url=moderation_url(consultation),
        moderation_url=moderation_url,
    )


def run_digest(consultation: Consultation, kind: DigestKind, *, slot_date: date | None = None,
               now: datetime | None = None) -> Digest | None:
    """One digest, committed together with its claimed comments and its outbox message."""
    if slot_date is not None and db.session.scalar(
        select(Digest.id).where(Digest.consultation_id == consultation.id, Digest.slot_date == slot_date)
    ):
        return None
    digest = collect_digest(consultation, kind, slot_date=slot_date, now=now)
    if digest is not None:
        db.session.commit()
        log.info("digest %s for %s: %d comment(s)", digest.id, consultation.slug, digest.comment_count)
    return digest


# Close of the window ---------------------------------------------------------------

def report_attachments(report, now: datetime) -> list[MailAttachment]:
    """The report's Word and Excel versions, attached to the close notice."""
    if report is None:
        return []
    from ..reports.build import MEDIA_TYPES

    report.mailed_at = now
    stem = f"{report.consultation.slug}-report-v{report.version}"
    return [MailAttachment(f"{stem}.{fmt}", MEDIA_TYPES[fmt], getattr(report, fmt)) for fmt in ("docx", "xlsx")]


def _count_by(consultation: Consultation, column, *joins) -> dict:
    query = select(column, func.count()).select_from(Comment)
    for target, onclause in joins:
        query = query.outerjoin(target, onclause)
    query = query.where(Comment.consultation_id == consultation.id, NOT_SPAM).group_by(column)
    return {key: count for key, count in db.session.execute(query)}


def consultation_totals(consultation: Consultation) -> dict:
    """Counts over every comment of the consultation (spam left out)."""
    by_section = _count_by(consultation, Clause.section_id, (Clause, Comment.clause_id == Clause.id))
    statuses = _count_by(consultation, Comment.status)
    return {
        "total": sum(by_section.values()),
        "stances": labelled_counts(Counter(_count_by(consultation, Comment.stance)), Stance),
        "channels": labelled_counts(Counter(_count_by(consultation, Comment.channel)), Channel),
        "statuses": [(s.label, statuses.get(s.value, 0)) for s in CommentStatus if s is not CommentStatus.SPAM],
        "sections": [(section, by_section.get(section.id, 0)) for section in consultation.sections],
        "outside_sections": by_section.get(None, 0),  # on the whole draft, or a clause in no section
        "digests": db.session.scalar(
            select(func.count()).select_from(Digest).where(Digest.consultation_id == consultation.id)
        ),
    }


@dataclass
class CloseResult:
    final_digest: Digest | None  # the leftovers since the last digest; None if there were none
    total: int


def send_close_notice(consultation: Consultation, now: datetime | None = None) -> CloseResult | None:
    """Once per consultation after its window closed: a final digest of the comments no digest has
    reported yet (if any), then the close notice with the totals, in one transaction. None if
    another worker did it already or there is nobody to write to."""
    now = now or now_utc()
    recipients = digest_recipients(consultation)
    if not recipients:
        log.warning("consultation %s has no digest recipients; no close notice", consultation.slug)
        return None
    if consultation.close_notice_sent_at is not None:
        return None
    from ..reports.jobs import close_report

    report, finished = close_report(consultation)
    if not finished:
        return None  # another worker is building the report: the notice waits for it
    if report.status != "done":
        report = None  # the build failed: the notice goes without the attachments
    claimed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.close_notice_sent_at.is_(None))
        .values(close_notice_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    final = collect_digest(consultation, DigestKind.FINAL, now=now, send_empty=False)
    if final is not None and not final.comment_count:
        db.session.delete(final)  # nothing was left over: no final digest to speak of
        final = None
    totals = consultation_totals(consultation)
    with mail_locale():
        subject = _("%(demo)s【征求意见已截止】共收到意见%(count)d条:%(title)s",
                    demo=_("[演示]") if consultation.is_demo else "", count=totals["total"], title=consultation.title)
    text, html = render_mail(
        "close_notice", consultation=consultation, totals=totals, final=final, closed_at=now,
        queue_url=moderation_url(consultation),
    )
    enqueue(MessageKind.CLOSE_NOTICE, recipients, subject, text, html, dedupe_key=f"close:{consultation.id}:{int(consultation.closes_at.timestamp())}",
            attachments=report_attachments(report, now), at=now)
    db.session.commit()
    log.info("close notice for %s: %d comment(s) in total", consultation.slug, totals["total"])
    return CloseResult(final, totals["total"])
