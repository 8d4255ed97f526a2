"""When digests and close notices are due. Both jobs are idempotent: a scheduled digest is keyed
by (consultation, local date of its slot) and a close notice by consultations.close_notice_sent_at,
so a second worker, a restart or a cron run at the same time never sends one twice, and a worker
that was down at 18:00 sends that day's digest when it comes back."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import now_utc, to_local
from .models import Digest, DigestKind
from .services import CloseResult, run_digest, send_close_notice

log = logging.getLogger("westlake_feedback.digests")


def due_slot_date(consultation: Consultation, now: datetime) -> date | None:
    """The local date of the latest scheduled digest slot at or before `now`, if that slot lies in
    the window and the window is still open. Slots missed while the worker was down collapse into
    the latest one (it holds every comment since the previous digest anyway); after the window
    closes the close-notice job reports what is left."""
    if not consultation.is_open(now):
        return None
    today = to_local(now).date()
    day = today if consultation.digest_slot(today) <= now else today - timedelta(days=1)
    return day if consultation.digest_slot(day) >= consultation.opens_at else None


def _consultations(slug: str | None):
    query = select(Consultation).order_by(Consultation.id)
    if slug:
        query = query.where(Consultation.slug == slug)
    return query


def send_due_digests(now: datetime | None = None, slug: str | None = None) -> list[Digest]:
    now = now or now_utc()
    query = _consultations(slug).where(Consultation.opens_at <= now, Consultation.closes_at > now)
    sent = []
    for consultation in db.session.scalars(query).all():
        day = due_slot_date(consultation, now)
        if day is None:
            continue
        try:
            digest = run_digest(consultation, DigestKind.SCHEDULED, slot_date=day, now=now)
        except Exception:  # one consultation's trouble must not hold up the others
            log.exception("scheduled digest for %s failed", consultation.slug)
            db.session.rollback()
            continue
        if digest is not None:
            sent.append(digest)
    return sent


def send_due_close_notices(now: datetime | None = None, slug: str | None = None) -> list[CloseResult]:
    """Close notices for windows that ended (plus a grace period for comments still committing).
    A consultation imported after its window had closed gets none: nobody waits for it."""
    now = now or now_utc()
    grace = timedelta(seconds=current_app.config["DIGEST_CLOSE_GRACE_SECONDS"])
    query = _consultations(slug).where(
        Consultation.closes_at <= now - grace,
        Consultation.close_notice_sent_at.is_(None),
        Consultation.created_at < Consultation.closes_at,
    )
    done = []
    for consultation in db.session.scalars(query).all():
        try:
            result = send_close_notice(consultation, now)
        except Exception:
            log.exception("close notice for %s failed", consultation.slug)
            db.session.rollback()
            continue
        if result is not None:
            done.append(result)
    return done


def send_digest_now(consultation: Consultation, now: datetime | None = None) -> Digest | None:
    """An on-demand digest: allowed at any time, as often as wanted."""
    return run_digest(consultation, DigestKind.ON_DEMAND, now=now)
