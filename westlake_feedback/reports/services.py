"""Report versions: load the data from the database, build, store, and hand out files."""
from __future__ import annotations

import logging
import traceback

from sqlalchemy import func, select

from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import now_utc
from .build import build_all, total_steps
from .loading import load_report_input
from .models import Report, ReportStatus

log = logging.getLogger(__name__)


def next_version(consultation: Consultation) -> int:
    latest = db.session.scalar(select(func.max(Report.version)).where(Report.consultation_id == consultation.id))
    return (latest or 0) + 1


def request_report(consultation: Consultation, trigger: str, by=None, round_number: int | None = None) -> Report:
    """Queue a new version for the worker to build (the caller commits); `round_number` restricts it
    to the comments made on that round."""
    report = Report(consultation=consultation, version=next_version(consultation), trigger=trigger,
                    requested_by_id=by.id if by is not None else None, status=ReportStatus.QUEUED.value,
                    round_number=round_number)
    db.session.add(report)
    db.session.flush()
    return report


def build(report: Report, progress=None) -> Report:
    """Build every format of a report row and store them; commits progress as it goes. A row not
    yet claimed (the CLI, the bench) is claimed first. The lease is renewed with every progress
    commit, so only a build that stopped (a killed worker) lets it run out; see jobs.py. A build
    that raises is marked failed with the error and the exception goes on to the caller."""
    from .jobs import claim, lease_until

    if report.status != ReportStatus.BUILDING.value:
        if claim(report.id) is None:
            raise RuntimeError(f"report {report.id} is {report.status}, not queued: someone else builds it")
    last_saved = {"done": -1}

    def track(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done, total, stage)
        if done - last_saved["done"] >= max(1, total // 20) or done == total:
            report.progress_done, report.progress_total, report.progress_stage = done, total, stage
            report.lease_expires_at = lease_until()
            db.session.commit()
            last_saved["done"] = done

    try:
        report_input = load_report_input(report.consultation, report.version, round_number=report.round_number)
        report.progress_total, report.progress_done = total_steps(report_input), 0
        report.comment_count = len(report_input.comments)
        report.lease_expires_at = lease_until()
        db.session.commit()
        files = build_all(report_input, progress=track)
    except Exception:
        db.session.rollback()
        report.status, report.error = ReportStatus.FAILED.value, traceback.format_exc(limit=5)
        report.finished_at, report.lease_expires_at = now_utc(), None
        db.session.commit()
        raise
    report.html, report.docx, report.xlsx = files["html"], files["docx"], files["xlsx"]
    report.status, report.finished_at, report.lease_expires_at = ReportStatus.DONE.value, now_utc(), None
    report.progress_done = report.progress_total
    db.session.commit()
    return report


def build_queued_reports(limit: int = 2) -> int:
    """Worker job (the reports thread): release builds whose lease ran out, then claim queued
    reports one at a time and build them."""
    from .jobs import claim, release_dead_builds

    release_dead_builds()
    built = 0
    for _ in range(limit):
        report = claim()
        if report is None:
            break
        try:
            build(report)
            built += 1
        except Exception:
            log.exception("report %s failed", report.id)
    return built


def reports_for(consultation: Consultation):
    return select(Report).where(Report.consultation_id == consultation.id).order_by(Report.version.desc())


def latest_done(consultation: Consultation) -> Report | None:
    return db.session.scalar(
        reports_for(consultation).where(Report.status == ReportStatus.DONE.value).limit(1)
    )
