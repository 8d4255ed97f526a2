"""/staff/outbox: admins see failed mail and queue it again; the retry is audited."""
from __future__ import annotations

from sqlalchemy import select

from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.mail.services import enqueue
from helpers import csrf_from


def failed_message(app, subject="【意见征集日报】<b>测试</b>") -> int:
    with app.app_context():
        row = enqueue("digest", ["xkh_work@sina.com"], subject, "正文")
        row.status, row.attempts, row.last_error = "failed", 6, "SMTPRecipientsRefused: 550 No such user"
        sent = enqueue("receipt", ["zhang@example.com"], "【意见回执】已发送的", "正文")
        sent.status = "sent"
        db.session.commit()
        return row.id


def test_admin_sees_failed_mail_and_retries_it(app, staff, login_as):
    message_id = failed_message(app)
    client = login_as("admin")
    page = client.get("/staff/outbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "发送失败(1)" in html and "已发送(1)" in html
    assert "xkh_work@sina.com" in html and "550 No such user" in html and "6/6" in html
    assert "&lt;b&gt;测试&lt;/b&gt;" in html and "<b>测试" not in html
    assert "已发送的" not in html  # the failed tab by default
    assert 'href="/staff/outbox/"' in html  # in the staff navigation
    response = client.post(f"/staff/outbox/{message_id}/retry", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已重新加入发送队列" in followed and "发送失败(0)" in followed
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert (row.status, row.attempts) == ("pending", 0)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox_retry"))
        assert entry.actor_email == "admin@xihu.example" and entry.target_id == str(message_id)
    again = client.post(f"/staff/outbox/{message_id}/retry", data={"csrf_token": csrf_from(html)})
    assert "无需重发" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_retry_needs_the_csrf_token(app, staff, login_as):
    message_id = failed_message(app)
    client = login_as("admin")
    assert client.post(f"/staff/outbox/{message_id}/retry").status_code == 400
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "failed"


def test_other_tabs_list_pending_and_sent_mail(app, staff, login_as):
    failed_message(app)
    html = login_as("admin").get("/staff/outbox/?status=sent").get_data(as_text=True)
    assert "已发送的" in html and "测试" not in html and "重发</button>" not in html


def test_a_receipt_not_written_yet_is_listed_with_a_note(app, staff, login_as):
    """A comment's receipt waits for the worker to write its text; the pending tab says so (and a
    retried failed one is audited with that note, not an empty summary)."""
    from helpers import comment_on, seed

    seed(app)
    with app.app_context():
        comment_on("xihu-2023-demo", 12)
    html = login_as("admin").get("/staff/outbox/?status=pending").get_data(as_text=True)
    assert "(发送前生成)" in html and "zhang@example.com" in html and "None" not in html
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "list", "--status", "pending"])
    assert "(发送前生成)" in listing.output and "None" not in listing.output
