"""The retention purge (PIPL): contact details go RETENTION_DAYS after a consultation closed, the
opinions and the statistics stay; audit-logged once per consultation and run; idempotent; a dry
run changes nothing. The clock is frozen just before and at the boundary."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.intake.models import Attachment
from westlake_feedback.intake.uploads import path_of
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.services import load_report_input
from westlake_feedback.timeutil import to_local
from helpers import consultation, form_tokens, local, seed_before_window, valid_comment
from intake_helpers import make_pdf, post_offline

DEMO = "/c/xihu-2023-demo"
CLAUSE3 = f"{DEMO}/clauses/3"
PERSONAL = ("name", "phone", "email", "postal_address", "ip_hash")


def post(client, ip: str = "198.51.100.7", **fields):
    page = client.get(CLAUSE3)
    data = {**form_tokens(page.get_data(as_text=True)), **valid_comment(**fields)}
    response = client.post(f"{CLAUSE3}/comment", data=data, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.fixture
def collected(app, login_as):
    """The demo copy (open 10-18 March 2023) with web and offline comments, an original and its
    download, receipts in the outbox; the Xihu original (closing later) with one comment."""
    seed_before_window(app)
    client = app.test_client()
    with time_machine.travel(local("2023-03-12 10:00"), tick=False):
        post(client, name="张三", phone="13812345678", email="zhang@example.com",
             organisation="某某小学")  # an individual's employer
        post(client, name="张三", phone="13812345678", email="zhang@example.com", body="同一人的第二条意见,内容不同。")
        post(client, ip="203.0.113.9", identity_type="company", organisation="杭州某科技有限公司",
             name="王五", phone="", email="wang@example.com")
        moderator = login_as("moderator")
        response = post_offline(moderator, upload=(make_pdf(), "李四来信.pdf", "application/pdf"))
        assert response.status_code == 303
        with app.app_context():
            attachment = db.session.scalars(select(Attachment)).one()
            attachment_id, stored_name = attachment.id, attachment.stored_name
        assert moderator.get(f"/staff/intake/attachments/{attachment_id}").status_code == 200
    with time_machine.travel(local("2023-03-16 10:00"), tick=False):
        post(client, name="赵六", phone="13900002222", email="zhao@example.com")
        page = client.get("/c/xihu-2023/clauses/3")
        client.post("/c/xihu-2023/clauses/3/comment", environ_base={"REMOTE_ADDR": "192.0.2.1"},
                    data={**form_tokens(page.get_data(as_text=True)), **valid_comment(email="zhao@example.com")})
    with app.app_context():
        closes = consultation("xihu-2023-demo").closes_at
        path = path_of(stored_name)
    assert path.exists()
    return {"closes": closes, "original": path}


def closed(collected) -> str:
    return f"closed {to_local(collected['closes']):%Y-%m-%d %H:%M}"


def demo_comments():
    return db.session.scalars(
        select(Comment).where(Comment.consultation_id == consultation("xihu-2023-demo").id).order_by(Comment.id)
    ).all()


def purge_entries():
    """The purge's entries about consultations (destroyed IP-hash keys have their own)."""
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "privacy_purge", AuditEntry.target_type == "consultations")).all()


def participants(slug: str) -> int:
    return compute(load_report_input(consultation(slug), 1)).participants


def test_nothing_is_removed_a_second_before_the_retention_period_ends(app, collected):
    runner = app.test_cli_runner()
    with time_machine.travel(collected["closes"] + timedelta(days=1095) - timedelta(seconds=1), tick=False):
        result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "no consultation has passed its retention period" in result.output
    with app.app_context():
        assert all(c.phone or c.identity_type == "company" for c in demo_comments())
        assert purge_entries() == []
    assert collected["original"].exists()


def test_a_dry_run_prints_what_would_go_and_changes_nothing(app, collected):
    runner = app.test_cli_runner()
    with app.app_context():
        before = [(c.name, c.phone, c.email, c.ip_hash, c.postal_address, c.organisation) for c in demo_comments()]
        outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    with time_machine.travel(collected["closes"] + timedelta(days=1095), tick=False):
        result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    expected = (f"would remove: xihu-2023-demo ({closed(collected)}): comments 5, name 5, phone 4, email 5, "
                "postal_address 1, ip_hash 4, organisation 1, originals 1, outbox_messages 5, audit_entries 1")
    assert expected in result.output
    assert "xihu-2023 " not in result.output  # closes later: not due
    with app.app_context():
        after = [(c.name, c.phone, c.email, c.ip_hash, c.postal_address, c.organisation) for c in demo_comments()]
        assert after == before
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox
        assert purge_entries() == []
        assert "李四来信.pdf" in db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "download_original")).one()
    assert collected["original"].exists()


def test_at_the_boundary_contacts_go_opinions_and_statistics_stay_once(app, collected):
    runner = app.test_cli_runner()
    with app.app_context():
        bodies = [(c.receipt_code, c.body, c.stance, c.identity_type, c.channel, c.status) for c in demo_comments()]
        participants_before = participants("xihu-2023-demo")
        other = consultation("xihu-2023")
        other_before = db.session.scalars(select(Comment.email).where(Comment.consultation_id == other.id)).all()
    assert participants_before == 4  # 张三 twice, 王五, 李四 (offline), 赵六

    with time_machine.travel(collected["closes"] + timedelta(days=1095), tick=False):
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert f"removed: xihu-2023-demo ({closed(collected)}): comments 5" in result.output
        again = runner.invoke(args=["privacy", "purge"])
        assert f"xihu-2023-demo ({closed(collected)}): nothing left to remove" in again.output

    with app.app_context():
        comments = demo_comments()
        for comment in comments:
            assert all(getattr(comment, name) is None for name in PERSONAL), comment.id
        assert [(c.receipt_code, c.body, c.stance, c.identity_type, c.channel, c.status) for c in comments] == bodies
        organisations = {c.identity_type: c.organisation for c in comments}
        assert organisations == {"individual": None, "company": "杭州某科技有限公司"}  # a company is no person
        assert participants("xihu-2023-demo") == participants_before
        assert db.session.scalars(select(Attachment)).all() == []
        receipts = db.session.scalars(select(OutboxMessage.dedupe_key)).all()
        assert len(receipts) == 1  # only xihu-2023's receipt is left
        other_after = db.session.scalars(select(Comment.email).where(Comment.consultation_id == other.id)).all()
        assert other_after == other_before == ["zhao@example.com"]
        (entry,) = purge_entries()  # one per consultation and run; the second run found nothing
        assert entry.target_type == "consultations" and entry.target_id == str(consultation("xihu-2023-demo").id)
        assert entry.actor_email == "flask privacy purge"
        changes = json.loads(entry.changes)
        assert changes["comments"] == [5, 0] and changes["phone"] == [4, 0] and changes["originals"] == [1, 0]
        download = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download_original")).one()
        assert "李四" not in download.summary and download.summary.startswith("XH-")
        everything = " ".join(
            str(value) for row in db.session.execute(select(AuditEntry.summary, AuditEntry.changes)) for value in row
        )
        assert "13812345678" not in everything and "zhang@example.com" not in everything
    assert not collected["original"].exists()


def test_the_retention_period_is_configurable(app_factory, login_as):
    app = app_factory(RETENTION_DAYS=30)
    seed_before_window(app)
    client = app.test_client()
    with time_machine.travel(local("2023-03-12 10:00"), tick=False):
        post(client)
    with app.app_context():
        closes = consultation("xihu-2023-demo").closes_at
    runner = app.test_cli_runner()
    with time_machine.travel(closes + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert "no consultation" in runner.invoke(args=["privacy", "purge"]).output
    with time_machine.travel(closes + timedelta(days=30), tick=False):
        assert "comments 1" in runner.invoke(args=["privacy", "purge"]).output
    with app.app_context():
        assert demo_comments()[0].email is None


def test_the_privacy_notice_states_the_configured_period(app_factory):
    from helpers import seed

    for days, sentence in ((1095, "保存3年"), (1000, "保存1000天")):
        app = app_factory(RETENTION_DAYS=days)
        if days == 1095:
            seed(app)
        html = app.test_client().get(CLAUSE3).get_data(as_text=True)
        assert f"自征求意见结束之日起{sentence}" in html


def test_the_worker_purges_once_a_day(app, collected):
    from westlake_feedback import worker

    worker._last_run.clear()
    with time_machine.travel(collected["closes"] + timedelta(days=1096), tick=False):
        with app.app_context():
            first = worker.run_jobs_once()
            second = worker.run_jobs_once()  # the same day: not again
    assert first["privacy"].consultations[0].counts["comments"] == 5
    assert "privacy" not in second
    with app.app_context():
        assert [e.actor_email for e in purge_entries()] == ["worker"]
        assert all(c.email is None for c in demo_comments())


def test_a_name_published_with_consent_stays_its_contacts_go(app, collected):
    """同意公开姓名/单位: the name is part of the public record; phone, email and IP hash still go."""
    client = app.test_client()
    with time_machine.travel(local("2023-03-13 10:00"), tick=False):
        post(client, name="钱七", phone="13700001111", email="qian@example.com", publish_name="y")
    runner = app.test_cli_runner()
    with time_machine.travel(collected["closes"] + timedelta(days=1095), tick=False):
        assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
        again = runner.invoke(args=["privacy", "purge"])
        assert "nothing left to remove" in again.output
    with app.app_context():
        consenting = [c for c in demo_comments() if c.publish_name]
        assert [(c.name, c.phone, c.email, c.ip_hash) for c in consenting] == [("钱七", None, None, None)]
        assert all(c.name is None for c in demo_comments() if not c.publish_name)
        assert len(purge_entries()) == 1
