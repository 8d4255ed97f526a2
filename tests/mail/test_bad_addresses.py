"""One message's own problem (its address, its encoding, a refusal of that message) fails that
message alone; the rest of the batch goes out in the same run. Addresses are checked in the forms
the way the mail system will send them: internationalised domains through IDNA, internationalised
local parts (which need SMTPUTF8) refused with a sentence."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.mail.sender import drain
from westlake_feedback.mail.services import enqueue
from helpers import comment_on, form_tokens, outbox_rows, seed, valid_comment
from intake_helpers import post_offline

CLAUSE12 = "/c/xihu-2023-demo/clauses/12"


def statuses() -> Counter:
    return Counter(db.session.scalars(select(OutboxMessage.status)))


def rcpts(smtp_server) -> list[str]:
    return sorted(r for item in smtp_server.received for r in item.rcpt_tos)


def test_a_bad_address_already_in_the_outbox_fails_alone_and_the_rest_goes_out(mail_app, smtp_server):
    seed(mail_app)
    with mail_app.app_context():
        # Rows written before the forms checked addresses: the services take what they are given.
        bad = comment_on("xihu-2023-demo", 1, email="用户@例子.广告")
        for number in range(2, 8):
            comment_on("xihu-2023-demo", number, email=f"p{number}@example.com")
        enqueue("digest", ["bad\u00a0space@example.com"], "主题", "正文")  # not even a valid address
        db.session.commit()
        bad_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == f"receipt:{bad.id}"))
    result = mail_app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert "outbox: sent 6, retrying 0, failed 2, released 0" in result.output
    assert f"message {bad_id}" in result.output and "SMTPUTF8" in result.output
    with mail_app.app_context():
        assert statuses() == {"sent": 6, "failed": 2}
        failed = db.session.get(OutboxMessage, bad_id)
        assert failed.attempts == 1 and "SMTPUTF8" in failed.last_error
    assert rcpts(smtp_server) == [f"p{n}@example.com" for n in range(2, 8)]
    assert len({item.peer for item in smtp_server.received}) == 1  # one connection, not stopped


def test_a_message_refused_at_data_fails_alone(mail_app, smtp_server):
    handler = smtp_server.handler
    original = handler.handle_DATA

    async def refuse_big(server, session, envelope):
        if "big@" in envelope.rcpt_tos[0]:
            return "552 5.3.4 Message too big"
        return await original(server, session, envelope)

    handler.handle_DATA = refuse_big
    with mail_app.app_context():
        for name in ("a", "big", "c"):
            enqueue("digest", [f"{name}@example.com"], "主题", "正文")
        db.session.commit()
        result = drain()
        assert (result.sent, result.failed, result.retrying, result.connection_lost) == (2, 1, 0, False)
        (failed,) = outbox_rows()[1:2]
        assert failed.status == "failed" and "552" in failed.last_error
    assert rcpts(smtp_server) == ["a@example.com", "c@example.com"]


def test_a_temporary_refusal_retries_that_message_and_sends_the_rest_of_the_queue(app_factory, smtp_server):
    app = app_factory(**smtp_server.config, OUTBOX_BATCH_SIZE=2)
    handler = smtp_server.handler

    async def greylist(server, session, envelope, address, rcpt_options):
        if address.startswith("grey@"):
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    handler.handle_RCPT = greylist
    with app.app_context():
        for name in ("grey", "b", "c", "d", "e"):
            enqueue("digest", [f"{name}@example.com"], "主题", "正文")
        db.session.commit()
        result = drain()  # the first batch holds the greylisted one: later batches still go
        assert (result.sent, result.retrying, result.failed, result.connection_lost) == (4, 1, 0, False)
        row = outbox_rows()[0]
        assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at > row.created_at  # the usual pause before the next try
    assert rcpts(smtp_server) == [f"{n}@example.com" for n in "bcde"]


def test_a_digest_with_one_unsendable_address_goes_to_the_others(mail_app, smtp_server):
    with mail_app.app_context():
        enqueue("digest", ["office@example.com", "办公室@例子.中国"], "主题", "正文")
        db.session.commit()
        assert drain().sent == 1
        (row,) = outbox_rows()
        assert row.status == "sent" and "办公室@例子.中国" in row.last_error
    (item,) = smtp_server.received
    assert item.rcpt_tos == ["office@example.com"]
    assert "办公室" not in item.message["To"]


@pytest.mark.parametrize(
    ("typed", "sent_to"),
    [
        ("user@例子.广告", "user@xn--fsqu00a.xn--4rr70v"),
        ("User@例子。广告", "user@xn--fsqu00a.xn--4rr70v"),  # ideographic full stop, as Chinese IMEs type it
        ("user@straße.de", "user@xn--strae-oqa.de"),  # IDNA 2008: not the 2003 "strasse.de"
    ],
)
def test_an_internationalised_domain_is_accepted_and_arrives_in_its_ascii_form(
    mail_app, smtp_server, typed, sent_to
):
    seed(mail_app)
    client = mail_app.test_client()
    page = client.get(CLAUSE12)
    response = client.post(f"{CLAUSE12}/comment",
                           data={**form_tokens(page.get_data(as_text=True)), **valid_comment(email=typed)})
    assert response.status_code == 303
    with mail_app.app_context():
        stored = db.session.scalars(select(Comment.email)).one()
        assert stored == sent_to.split("@")[0] + "@" + typed.split("@")[1].lower().replace("。", ".")
        assert drain().sent == 1
    (item,) = smtp_server.received
    assert item.rcpt_tos == [sent_to]
    assert item.message["To"] == sent_to
    headers = item.data.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()


REFUSED_LOCAL = "“@”前面"


def test_the_comment_form_refuses_an_internationalised_local_part_with_a_sentence(seeded, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", email="用户@例子.广告")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert REFUSED_LOCAL in html and "用户@例子.广告" in html  # explained, and kept in the form
    with seeded.app_context():
        assert db.session.scalars(select(Comment)).all() == []


@pytest.mark.parametrize(
    ("address", "message"),
    [("用户@例子.广告", REFUSED_LOCAL), ("user＠example.com", "电子邮箱格式不正确"), ("user@exa mple.com", "电子邮箱格式不正确")],
)
def test_the_offline_intake_form_shares_the_checks(seeded, login_as, address, message):
    response = post_offline(login_as("moderator"), email=address)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'value="{address}"' in html
    with seeded.app_context():
        assert db.session.scalars(select(Comment)).all() == []


def test_the_offline_intake_form_accepts_an_idna_domain(seeded, login_as):
    response = post_offline(login_as("moderator"), email="lisi@例子.广告")
    assert response.status_code == 303
    with seeded.app_context():
        assert db.session.scalars(select(Comment.email)).one() == "lisi@例子.广告"


def test_the_digest_cli_refuses_an_address_the_mail_system_cannot_send_to(seeded):
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["digests", "configure", "xihu-2023", "--extra-recipients", "办公室@例子.中国"])
    assert result.exit_code != 0 and "办公室@例子.中国" in result.output
    ok = runner.invoke(args=["digests", "configure", "xihu-2023", "--extra-recipients", "office@例子.中国"])
    assert ok.exit_code == 0, ok.output
