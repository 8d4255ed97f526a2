"""Delivery through a real SMTP server (aiosmtpd on 127.0.0.1): encoding, outages, dropped
connections, refusals. Every message carries X-Westlake-Outbox-Id, so 'exactly once' is counted."""
from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.mail.sender import drain
from westlake_feedback.mail.services import enqueue
from helpers import comment_on, form_tokens, outbox_rows, seed, text_and_html, valid_comment

CLAUSE12 = "/c/xihu-2023-demo/clauses/12"


def delivered_ids(smtp_server) -> Counter:
    return Counter(item.outbox_id for item in smtp_server.received)


def statuses() -> Counter:
    return Counter(db.session.scalars(select(OutboxMessage.status)))


@pytest.fixture
def smtp_connections(monkeypatch) -> list:
    """Every connection attempt to a mail server (the real smtplib then runs as usual): a request
    that makes none cannot be slowed by a mail server that is down or hangs."""
    attempts: list = []
    original = smtplib.SMTP.connect

    def connect(self, host="localhost", port=0, source_address=None):
        attempts.append((host, port))
        return original(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", connect)
    return attempts


def later(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def test_receipt_over_smtp_has_an_encoded_chinese_subject_and_both_parts(mail_app, smtp_server):
    seed(mail_app)
    with mail_app.app_context():
        comment = comment_on("xihu-2023-demo", 12, body="建议明确资金拨付的时间节点和申请流程。", name="李四")
        assert drain().sent == 1
        code = comment.receipt_code
    (item,) = smtp_server.received
    assert item.rcpt_tos == ["zhang@example.com"]
    raw_subject = item.data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are pure ASCII
    assert "=?utf-8?b?" in raw_subject.lower()
    message = item.message
    assert message["Subject"] == f"【意见回执】您的意见已收到,回执编号 {code}"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = text_and_html(message)
    assert "李四,您好" in text and "建议明确资金拨付的时间节点和申请流程。" in text
    assert "12." in text and code in text
    assert "<html lang=\"zh-CN\">" in html and code in html
    assert "http" not in html.replace(f"http://127.0.0.1:5000/receipt/{code}", "")  # no external assets


def test_smtp_down_comments_still_fast_and_everything_arrives_once_when_back(mail_app, smtp_server, smtp_connections):
    seed(mail_app)
    smtp_server.stop()
    client = mail_app.test_client()
    for number in range(1, 11):
        page = client.get(f"/c/xihu-2023-demo/clauses/{number}")
        data = {**form_tokens(page.get_data(as_text=True)), **valid_comment(email=f"p{number}@example.com")}
        response = client.post(f"/c/xihu-2023-demo/clauses/{number}/comment", data=data)
        assert response.status_code == 303
    assert smtp_connections == []  # nothing in the request talks to the mail server
    runner = mail_app.test_cli_runner()
    assert "mail queued" in runner.invoke(args=["digests", "send", "--now", "--consultation", "xihu-2023"]).output
    with mail_app.app_context():
        consultation_digest_to = outbox_rows("digest")[0].recipients
        assert consultation_digest_to == ["xkh_work@sina.com"]
        first = drain()
        assert first.connection_lost and first.sent == 0 and first.retrying == 11
        assert drain().sent == 0  # backing off: not retried at once
        assert statuses() == {"pending": 11}
        assert {row.attempts for row in outbox_rows()} == {1}
        assert all("Connection refused" in row.last_error for row in outbox_rows())
    smtp_server.start()
    with mail_app.app_context():
        assert drain(now=later(0.5)).sent == 0  # still inside the first pause (1 minute)
        assert drain(now=later(1.5)).sent == 11
        assert drain(now=later(60)).sent == 0
        assert statuses() == {"sent": 11}
        expected = {row.id for row in outbox_rows()}
    assert set(delivered_ids(smtp_server)) == expected
    assert max(delivered_ids(smtp_server).values()) == 1
    receipts = [item for item in smtp_server.received if item.message["X-Westlake-Kind"] == "receipt"]
    assert sorted(rcpt for item in receipts for rcpt in item.rcpt_tos) == sorted(
        f"p{n}@example.com" for n in range(1, 11)
    )


def test_a_hung_mail_server_does_not_slow_comments_and_times_out_in_the_worker(app_factory, blackhole_port,
                                                                              smtp_connections):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=blackhole_port, MAIL_TIMEOUT=1)
    seed(app)
    client = app.test_client()
    page = client.get(CLAUSE12)
    response = client.post(f"{CLAUSE12}/comment", data={**form_tokens(page.get_data(as_text=True)), **valid_comment()})
    assert response.status_code == 303 and smtp_connections == []  # the request never waits on it
    with app.app_context():
        result = drain()
        assert result.connection_lost and result.retrying == 1
        assert smtp_connections == [("127.0.0.1", blackhole_port)]  # the worker gave up after MAIL_TIMEOUT
        assert "timed out" in outbox_rows()[0].last_error


def test_connection_dropped_mid_batch_loses_nothing_and_doubles_nothing(mail_app, smtp_server):
    seed(mail_app)
    with mail_app.app_context():
        for number in range(1, 11):
            comment_on("xihu-2023-demo", number, email=f"p{number}@example.com")
        ids = [row.id for row in outbox_rows()]
    smtp_server.drop_connection_after(4)
    with mail_app.app_context():
        first = drain()
        assert (first.sent, first.retrying, first.released, first.connection_lost) == (4, 1, 5, True)
        assert sorted(delivered_ids(smtp_server)) == ids[:4]
        rows = {row.id: row for row in outbox_rows()}
        assert [rows[i].status for i in ids] == ["sent"] * 4 + ["pending"] * 6
        assert rows[ids[4]].attempts == 1 and "Disconnected" in rows[ids[4]].last_error
        assert all(rows[i].attempts == 0 and rows[i].lease_owner is None for i in ids[5:])
        second = drain()  # the untried ones go at once; the interrupted one waits for its pause
        assert second.sent == 5
        third = drain(now=later(2))
        assert third.sent == 1
        assert statuses() == {"sent": 10}
    assert sorted(delivered_ids(smtp_server)) == ids
    assert set(delivered_ids(smtp_server).values()) == {1}


def test_backoff_doubles_then_gives_up_and_an_admin_retry_delivers(mail_app, smtp_server):
    seed(mail_app)
    smtp_server.stop()
    with mail_app.app_context():
        row = enqueue("digest", ["xkh_work@sina.com"], "【意见征集日报】测试", "正文", "<p>正文</p>")
        db.session.commit()
        row_id = row.id
        now = datetime.now(timezone.utc)
        pauses = []
        for attempt in range(1, 7):
            result = drain(now=now)
            assert result.sent == 0
            db.session.expire_all()
            row = db.session.get(OutboxMessage, row_id)
            assert row.attempts == attempt
            if attempt < 6:
                assert row.status == "pending"
                pauses.append(round((row.next_attempt_at - now).total_seconds() / 60))
                assert drain(now=row.next_attempt_at - timedelta(seconds=1)).retrying == 0
                now = row.next_attempt_at
        assert pauses == [1, 2, 4, 8, 16]
        assert row.status == "failed" and "refused" in row.last_error
        assert drain(now=now + timedelta(days=1)).sent == 0  # failed stays failed
    smtp_server.start()
    runner = mail_app.test_cli_runner()
    assert "queued again" in runner.invoke(args=["outbox", "retry", str(row_id)]).output
    assert "sent 1" in runner.invoke(args=["outbox", "drain"]).output
    assert list(delivered_ids(smtp_server).items()) == [(row_id, 1)]


def test_a_refused_recipient_fails_that_message_only(mail_app, smtp_server):
    seed(mail_app)
    smtp_server.handler.refuse_containing = "nobody"
    with mail_app.app_context():
        comment_on("xihu-2023-demo", 1, email="first@example.com")
        comment_on("xihu-2023-demo", 2, email="nobody@example.com")
        comment_on("xihu-2023-demo", 3, email="third@example.com")
        result = drain()
        assert (result.sent, result.failed, result.retrying) == (2, 1, 0)
        failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "failed"))
        assert failed.recipients == ["nobody@example.com"] and "550" in failed.last_error
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
    assert sorted(r for item in smtp_server.received for r in item.rcpt_tos) == ["first@example.com", "third@example.com"]


def test_a_partly_refused_digest_is_sent_and_the_refusal_noted(mail_app, smtp_server):
    seed(mail_app)
    smtp_server.handler.refuse_containing = "nobody"
    with mail_app.app_context():
        enqueue("digest", ["xkh_work@sina.com", "nobody@example.com"], "主题", "正文")
        db.session.commit()
        assert drain().sent == 1
        (row,) = outbox_rows()
        assert row.status == "sent" and "nobody@example.com" in row.last_error
    assert smtp_server.received[0].rcpt_tos == ["xkh_work@sina.com"]


def test_one_connection_per_batch(app_factory, smtp_server):
    app = app_factory(**smtp_server.config, OUTBOX_BATCH_SIZE=3)
    with app.app_context():
        for number in range(7):
            enqueue("digest", [f"n{number}@example.com"], "主题", "正文")
        db.session.commit()
        assert drain().sent == 7
    connections = Counter(item.peer for item in smtp_server.received)
    assert sorted(connections.values()) == [1, 3, 3]
