"""Report versions: load the data from the database, build, store, and hand out files."""
from __future__ import annotations

import hashlib
import logging
import traceback
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..comments.models import Comment
from ..consultations.models import Clause, Consultation
from ..extensions import db
from ..timeutil import now_utc
from .build import build_all, total_steps
from .data import ClauseInfo, ClauseResponseInfo, ReportComment, ReportInput, SectionInfo
from .models import Report, ReportStatus

log = logging.getLogger(__name__)
STALE_BUILD = timedelta(minutes=30)  # a build this old was cut off (worker killed): queue it again


def participant_key(comment: Comment) -> str | None:
    """Who wrote it, as far as we can tell: email, phone, IP, name; after the privacy purge removed
    those, the pseudonym it left in their place."""
    if comment.participant_ref:
        return comment.participant_ref
    for value in (comment.email, comment.phone, comment.ip_hash, comment.name):
        if value:
            return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:24]
    return None


def load_report_input(consultation: Consultation, version: int, at: datetime | None = None) -> ReportInput:
    from ..moderation.models import ClauseResponse, Decision  # noqa: F401  (relationships used below)

    comments = db.session.scalars(
        select(Comment)
        .where(Comment.consultation_id == consultation.id)
        .options(selectinload(Comment.clause).selectinload(Clause.section), selectinload(Comment.decision))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    clauses = db.session.scalars(
        select(Clause).where(Clause.consultation_id == consultation.id)
        .options(selectinload(Clause.section), selectinload(Clause.response)).order_by(Clause.position)
    ).all()
    return ReportInput(
        title=consultation.title,
        slug=consultation.slug,
        issuer=consultation.issuer,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        generated_at=at or now_utc(),
        version=version,
        sections=[SectionInfo(s.number, s.label, s.heading, s.lead_department) for s in consultation.sections],
        clauses=[ClauseInfo(c.number, c.label, c.title, c.section.number if c.section else None) for c in clauses],
        clause_responses=[ClauseResponseInfo(c.number, c.response.text) for c in clauses if c.response],
        comments=[_report_comment(c) for c in comments],
    )


def _report_comment(comment: Comment) -> ReportComment:
    clause, decision = comment.clause, comment.decision
    section = clause.section if clause else None
    return ReportComment(
        receipt_code=comment.receipt_code,
        section_number=section.number if section else None,
        section_heading=section.heading if section else None,
        clause_number=clause.number if clause else None,
        clause_label=clause.label if clause else None,
        clause_title=clause.title if clause else None,
        stance=comment.stance,
        identity_type=comment.identity_type,
        channel=comment.channel,
        status=comment.status,
        created_at=comment.created_at,
        body=comment.public_body,
        name_public=None,  # no commenter agreed to have a name published
        decision=decision.outcome if decision else None,
        response=decision.response if decision else "",
        participant_key=participant_key(comment),
    )


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
