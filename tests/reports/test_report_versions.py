"""Reports built from the database: versions, the worker, staff pages, the close notice."""
from __future__ import annotations

import io
from datetime import timedelta

import docx
import openpyxl
from sqlalchemy import func, select

from helpers import comment_on, csrf_from
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.moderation.models import Decision
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.models import Report
from westlake_feedback.reports.services import build_queued_reports, load_report_input
from westlake_feedback.timeutil import now_utc

DEMO = "xihu-2023-demo"


def add_comments(app) -> None:
    with app.test_request_context():
        for clause, stance, status in [(12, "support", "approved"), (12, "oppose", "pending"), (3, "amend", "rejected"),
                                       (None, "other", "approved"), (5, "amend", "spam")]:
            comment = comment_on(DEMO, clause, stance=stance, body=f"关于第{clause}条,建议加大对中小企业的扶持力度。")
            comment.status = status
        db.session.flush()
        first = db.session.scalars(select(Comment).order_by(Comment.id)).first()
        db.session.add(Decision(comment=first, outcome="adopted", response="已采纳,将在正式文件中明确。"))
        db.session.commit()


def demo(app) -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == DEMO))


def test_cli_build_counts_equal_the_database(seeded, runner, tmp_path):
    add_comments(seeded)
    result = runner.invoke(args=["reports", "build", DEMO, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "version 1, 5 comments" in result.output
    with seeded.app_context():
        consultation = demo(seeded)
        stats = compute(load_report_input(consultation, 1))
        not_spam = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status != "spam"))
        assert stats.received == 5 and stats.counted == not_spam == 4
        assert {t.key: t.count for t in stats.moderation} == {"pending": 1, "approved": 2, "rejected": 1, "spam": 1}
        assert stats.decided == 1
    document = docx.Document(str(tmp_path / f"{DEMO}-report-v1.docx"))
    adoption = [t for t in document.tables if t.rows[0].cells[0].text.strip() == "序号"]
    assert adoption and len(adoption[0].rows) == 2  # header + the one decided comment
    assert "已采纳,将在正式文件中明确。" in adoption[0].rows[1].cells[4].text
    workbook = openpyxl.load_workbook(tmp_path / f"{DEMO}-report-v1.xlsx")
    assert len(workbook.sheetnames) >= 3


def test_staff_build_runs_in_the_worker_and_versions_stay(seeded, login_as):
    add_comments(seeded)
    moderator = login_as("moderator")
    page = moderator.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "还没有生成过报告" in page
    for _ in range(2):
        response = moderator.post(f"/staff/c/{DEMO}/reports", data={"csrf_token": csrf_from(page)})
        assert response.status_code == 303
    queued = moderator.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "排队中" in queued and 'http-equiv="refresh"' in queued
    with seeded.app_context():
        assert build_queued_reports() == 2
        reports = db.session.scalars(select(Report).order_by(Report.version)).all()
        assert [(r.version, r.status) for r in reports] == [(1, "done"), (2, "done")]
        first_id = reports[0].id
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "report_build")) == 2
    done = moderator.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "第2版" in done and "第1版" in done and 'http-equiv="refresh"' not in done
    analyst = login_as("analyst")
    download = analyst.get(f"/staff/reports/{first_id}.docx")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert docx.Document(io.BytesIO(download.data)).paragraphs
    html = analyst.get(f"/staff/reports/{first_id}.html")
    assert html.status_code == 200 and b"<script" not in html.data and "13812345678" not in html.get_data(as_text=True)
    own_page = analyst.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "生成新版本报告" not in own_page  # read-only role: no build button
    assert analyst.post(f"/staff/c/{DEMO}/reports", data={"csrf_token": csrf_from(own_page)}).status_code == 403
    assert analyst.get(f"/staff/reports/{first_id}.exe").status_code == 404


def test_close_notice_carries_the_report(seeded, app):
    add_comments(seeded)
    from westlake_feedback.digests.schedule import send_due_close_notices

    with seeded.app_context():
        consultation = demo(seeded)
        consultation.created_at = now_utc() - timedelta(days=3)
        consultation.opens_at = now_utc() - timedelta(days=2)
        consultation.closes_at = now_utc() - timedelta(minutes=10)
        db.session.commit()
        results = send_due_close_notices()
        assert len(results) == 1
        notice = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "close_notice")).one()
        names = sorted(a.filename for a in notice.attachments)
        assert names == [f"{DEMO}-report-v1.docx", f"{DEMO}-report-v1.xlsx"]
        report = db.session.scalars(select(Report)).one()
        assert report.trigger == "close" and report.mailed_at is not None and report.status == "done"
        assert send_due_close_notices() == []  # idempotent: no second notice, no second report
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_the_close_notice_waits_while_another_worker_builds_the_report(seeded):
    from westlake_feedback.digests.schedule import send_due_close_notices
    from westlake_feedback.reports.jobs import claim
    from westlake_feedback.reports.services import build, request_report

    add_comments(seeded)
    with seeded.app_context():
        consultation = demo(seeded)
        consultation.created_at = now_utc() - timedelta(days=3)
        consultation.opens_at = now_utc() - timedelta(days=2)
        consultation.closes_at = now_utc() - timedelta(minutes=10)
        db.session.commit()
        report = request_report(consultation, "close")
        db.session.commit()
        assert claim(report.id) is not None  # another worker's reports thread is building it
        assert send_due_close_notices() == []
        assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "close_notice")).all() == []
        assert demo(seeded).close_notice_sent_at is None
        build(report)  # ...and finishes
        assert len(send_due_close_notices()) == 1
        notice = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "close_notice")).one()
        assert sorted(a.filename for a in notice.attachments) == [f"{DEMO}-report-v1.docx", f"{DEMO}-report-v1.xlsx"]
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1  # not built twice
