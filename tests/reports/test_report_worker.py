"""Report builds run in the worker's reports thread, apart from the mail loop: while a build is
held up (deterministically, by an Event the test controls), mail is still delivered to a real SMTP
server; staff see queued / building / done / failed; a build cut off is retried, then failed."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpers import comment_on, seed
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import MessageKind
from westlake_feedback.mail.services import enqueue
from westlake_feedback.reports import services as report_services
from westlake_feedback.reports.jobs import claim, release_dead_builds
from westlake_feedback.reports.models import Report
from westlake_feedback.reports.services import build_queued_reports, request_report
from westlake_feedback.timeutil import now_utc
from westlake_feedback.worker import run_worker

DEMO = "xihu-2023-demo"
WAIT = 60  # seconds: only a bound on waiting for an event, never a measured figure


def demo() -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == DEMO))


def queue_report(app) -> int:
    with app.app_context():
        report = request_report(demo(), "manual")
        db.session.commit()
        return report.id


def status_of(app, report_id: int) -> Report:
    with app.app_context():
        report = db.session.get(Report, report_id)
        db.session.expunge(report)
        return report


def wait_for(condition, what: str) -> None:
    event = threading.Event()
    for _ in range(WAIT * 20):
        if condition():
            return
        event.wait(0.05)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def worker_app(app_factory, smtp_server, tmp_path):
    app = app_factory(**smtp_server.config, OUTBOX_DIR=str(tmp_path / "outbox"), WORKER_INTERVAL=0.05,
                      REPORT_POLL_SECONDS=0.05)
    seed(app)
    with app.test_request_context():
        for n in range(5):
            comment_on(DEMO, 12, body=f"建议加大对中小企业的扶持力度({n})。")
    return app


def test_mail_is_delivered_while_a_report_build_is_held_up(worker_app, smtp_server, login_as, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real_build_all = report_services.build_all

    def held_build_all(*args, **kwargs):
        started.set()
        assert release.wait(WAIT), "the test never released the build"
        return real_build_all(*args, **kwargs)

    monkeypatch.setattr(report_services, "build_all", held_build_all)
    report_id = queue_report(worker_app)
    stopping = threading.Event()
    worker = threading.Thread(target=run_worker, args=(worker_app, stopping), daemon=True)
    worker.start()
    try:
        assert started.wait(WAIT), "the reports thread never started the build"
        assert status_of(worker_app, report_id).status == "building"
        moderator = login_as("moderator")
        page = moderator.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
        assert "生成中" in page and 'http-equiv="refresh"' in page
        assert moderator.get(f"/staff/reports/{report_id}.docx").status_code == 404  # not yet
        with worker_app.app_context():
            message = enqueue(MessageKind.RECEIPT, ["citizen@example.com"], "回执", "您的意见已收到。")
            db.session.commit()
            message_id = message.id
        wait_for(lambda: any(item.outbox_id == message_id for item in smtp_server.received), "the outbox message")
        assert not release.is_set() and status_of(worker_app, report_id).status == "building"
        release.set()
        wait_for(lambda: status_of(worker_app, report_id).status == "done", "the build to finish")
    finally:
        release.set()
        stopping.set()
        worker.join(WAIT)
    assert not worker.is_alive()
    page = moderator.get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "已完成" in page and 'http-equiv="refresh"' not in page
    download = moderator.get(f"/staff/reports/{report_id}.docx")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_a_failing_build_is_marked_failed_with_its_error_on_the_page(worker_app, login_as, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("图表字体缺失")

    monkeypatch.setattr(report_services, "build_all", broken)
    report_id = queue_report(worker_app)
    with worker_app.app_context():
        assert build_queued_reports() == 0
    report = status_of(worker_app, report_id)
    assert report.status == "failed" and "ValueError" in report.error and report.lease_expires_at is None
    page = login_as("analyst").get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "生成失败" in page and "ValueError: 图表字体缺失" in page and 'http-equiv="refresh"' not in page


def test_a_build_cut_off_is_retried_then_failed_never_left_building(worker_app, login_as):
    report_id = queue_report(worker_app)
    with worker_app.app_context():
        max_attempts = worker_app.config["REPORT_MAX_ATTEMPTS"]
        for attempt in range(1, max_attempts + 1):
            claimed = claim()  # a worker takes it... and is killed: nothing renews the lease
            assert claimed is not None and claimed.id == report_id and claimed.attempts == attempt
            assert claim() is None  # nobody else can take it while the lease holds
            assert release_dead_builds() == 0
            lease = worker_app.config["REPORT_LEASE_SECONDS"]
            later = now_utc() + timedelta(seconds=lease + 1)
            assert release_dead_builds(now=later) == 1
            db.session.expire_all()
            expected = "queued" if attempt < max_attempts else "failed"
            assert db.session.get(Report, report_id).status == expected
        assert claim() is None
        report = db.session.get(Report, report_id)
        assert report.finished_at is not None and "interrupted" in report.error
    page = login_as("analyst").get(f"/staff/c/{DEMO}/reports").get_data(as_text=True)
    assert "生成失败" in page and "interrupted 3 times" in page


def test_a_build_cut_off_once_is_built_by_the_next_round(worker_app):
    report_id = queue_report(worker_app)
    with worker_app.app_context():
        assert claim() is not None
        db.session.get(Report, report_id).lease_expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()
        assert build_queued_reports() == 1
        db.session.expire_all()
        report = db.session.get(Report, report_id)
        assert (report.status, report.attempts, report.error) == ("done", 2, None)
        assert report.docx[:2] == b"PK" and report.lease_expires_at is None
