"""Report versions: load the data from the database, build, store, and hand out files."""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import now_utc
from .build import build_all, total_steps
from .loading import load_report_input, participant_key  # noqa: F401  (used by privacy and the tests)
from .models import Report, ReportStatus

log = logging.getLogger(__name__)
STALE_BUILD = timedelta(minutes=30)  # a build this old was cut off (worker killed): queue it again


def next_version(consultation: Consultation) -> int:
    latest = db.session.scalar(select(func.max(Report.version)).where(Report.consultation_id == consultation.id))
    return (latest or 0) + 1


def request_report(consultation: Consultation, trigger: str, by=None) -> Report:
    """Queue a new version for the worker to build (the caller commits)."""
    report = Report(consultation=consultation, version=next_version(consultation), trigger=trigger,
                    requested_by_id=by.id if by is not None else None, status=ReportStatus.QUEUED.value)
    db.session.add(report)
    db.session.flush()
    return report


def build(report: Report, progress=None) -> Report:
    """Build every format of a report row and store them; commits progress as it goes."""
    report_input = load_report_input(report.consultation, report.version)
    report.status, report.started_at = ReportStatus.BUILDING.value, now_utc()
    report.progress_total, report.progress_done = total_steps(report_input), 0
    report.comment_count = len(report_input.comments)
    db.session.commit()
    last_saved = {"done": -1}

    def track(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done, total, stage)
        if done - last_saved["done"] >= max(1, total // 20) or done == total:
            report.progress_done, report.progress_total, report.progress_stage = done, total, stage
            db.session.commit()
            last_saved["done"] = done

    try:
        files = build_all(report_input, progress=track)
    except Exception:
        db.session.rollback()
        report.status, report.error = ReportStatus.FAILED.value, traceback.format_exc(limit=5)
        report.finished_at = now_utc()
        db.session.commit()
        raise
    report.html, report.docx, report.xlsx = files["html"], files["docx"], files["xlsx"]
    report.status, report.finished_at = ReportStatus.DONE.value, now_utc()
    report.progress_done = report.progress_total
    db.session.commit()
    return report


def build_queued_reports(limit: int = 2) -> int:
    """Worker job: claim queued (or stale) reports one at a time and build them."""
    built = 0
    stale = now_utc() - STALE_BUILD
    db.session.execute(
        update(Report).where(Report.status == ReportStatus.BUILDING.value, Report.started_at < stale)
        .values(status=ReportStatus.QUEUED.value)
    )
    db.session.commit()
    for _ in range(limit):
        candidate = db.session.scalar(
            select(Report.id).where(Report.status == ReportStatus.QUEUED.value).order_by(Report.id).limit(1)
        )
        if candidate is None:
            break
        claimed = db.session.execute(
            update(Report).where(Report.id == candidate, Report.status == ReportStatus.QUEUED.value)
            .values(status=ReportStatus.BUILDING.value, started_at=now_utc())
        )
        db.session.commit()
        if claimed.rowcount != 1:
            continue  # another worker took it
        try:
            build(db.session.get(Report, candidate))
            built += 1
        except Exception:
            log.exception("report %s failed", candidate)
    return built


def reports_for(consultation: Consultation):
    return select(Report).where(Report.consultation_id == consultation.id).order_by(Report.version.desc())


def latest_done(consultation: Consultation) -> Report | None:
    return db.session.scalar(
        reports_for(consultation).where(Report.status == ReportStatus.DONE.value).limit(1)
    )
