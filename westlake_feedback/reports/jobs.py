"""Report builds as jobs of their own, claimed from the reports table.

A version goes queued -> building -> done or failed. The worker's reports thread (see worker.py)
claims the oldest queued version: on PostgreSQL with `SELECT ... FOR UPDATE SKIP LOCKED`, so two
workers never wait on or take the same row; on SQLite (one writer at a time) with a conditional
`UPDATE ... WHERE status = 'queued'` whose row count says who won. The claim sets a lease
(REPORT_LEASE_SECONDS) that the build renews with every progress commit. A build whose lease ran
out was cut off (the worker was killed or the machine stopped): it is queued again, until it has
been claimed REPORT_MAX_ATTEMPTS times; then it is marked failed with the reason, so a version is
never left "building" for ever. A build that raises is marked failed at once with its error.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import now_utc
from .models import Report, ReportStatus

log = logging.getLogger(__name__)
INTERRUPTED = "The build was interrupted %d times (the worker stopped while building); request a new version."


def lease_until(now: datetime | None = None) -> datetime:
    return (now or now_utc()) + timedelta(seconds=current_app.config["REPORT_LEASE_SECONDS"])


def claim(report_id: int | None = None, now: datetime | None = None) -> Report | None:
    """Take the oldest queued version (or the given one) for building, committed; None if there
    is none or another worker took it first."""
    now = now or now_utc()
    query = select(Report.id).where(Report.status == ReportStatus.QUEUED.value).order_by(Report.id).limit(1)
    if report_id is not None:
        query = query.where(Report.id == report_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidate = db.session.scalar(query)
    if candidate is None:
        db.session.rollback()
        return None
    claimed = db.session.execute(
        update(Report)
        .where(Report.id == candidate, Report.status == ReportStatus.QUEUED.value)
        .values(status=ReportStatus.BUILDING.value, started_at=now, lease_expires_at=lease_until(now),
                attempts=Report.attempts + 1, error=None, progress_done=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None  # SQLite: another worker's claim committed first
    report = db.session.get(Report, candidate)
    db.session.refresh(report)
    return report


def release_dead_builds(now: datetime | None = None) -> int:
    """Builds whose lease ran out: queued again, or failed after REPORT_MAX_ATTEMPTS claims."""
    now = now or now_utc()
    most = current_app.config["REPORT_MAX_ATTEMPTS"]
    dead = and_(
        Report.status == ReportStatus.BUILDING.value,
        or_(Report.lease_expires_at < now,
            and_(Report.lease_expires_at.is_(None), Report.started_at < now - timedelta(
                seconds=current_app.config["REPORT_LEASE_SECONDS"]))),
    )
    failed = db.session.execute(
        update(Report).where(dead, Report.attempts >= most)
        .values(status=ReportStatus.FAILED.value, error=INTERRUPTED % most, finished_at=now, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    queued = db.session.execute(
        update(Report).where(dead, Report.attempts < most)
        .values(status=ReportStatus.QUEUED.value, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if failed or queued:
        log.warning("report builds cut off: %d queued again, %d failed", queued, failed)
    return failed + queued


def close_report(consultation: Consultation) -> tuple[Report | None, bool]:
    """The report for this close of the window (asked for at most once per close), built here if
    nobody is building it yet. Returns it and whether it is finished (done or failed): the close
    notice waits while another worker builds it, and goes without it if it failed."""
    from .services import build, request_report

    report = db.session.scalar(
        select(Report).where(Report.consultation_id == consultation.id, Report.trigger == "close",
                             Report.created_at >= consultation.closes_at)
        .order_by(Report.id.desc()).limit(1)
    )
    if report is None:
        try:
            report = request_report(consultation, "close")
            db.session.commit()
        except IntegrityError:  # another worker asked for this version number at the same moment
            db.session.rollback()
            return None, False
    if report.status == ReportStatus.QUEUED.value and claim(report.id) is not None:
        try:
            build(report)
        except Exception:
            log.exception("close-of-window report for %s failed; the notice goes without it", consultation.slug)
    db.session.refresh(report)
    return report, report.status in (ReportStatus.DONE.value, ReportStatus.FAILED.value)
