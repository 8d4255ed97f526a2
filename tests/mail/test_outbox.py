"""The outbox without a mail server: rows written with their cause, .eml files, dedupe, retry."""
from __future__ import annotations

import email
import email.policy

import pytest
from sqlalchemy import func, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail import commenters
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.mail.sender import drain, retry
from westlake_feedback.mail.services import enqueue
from helpers import comment_on, form_tokens, outbox_rows, rendered_outbox_rows, seed, text_and_html, valid_comment

DEMO = "/c/xihu-2023-demo"
CLAUSE12 = f"{DEMO}/clauses/12"


@pytest.fixture
def file_app(app_factory, tmp_path):
    app = app_factory(OUTBOX_DIR=str(tmp_path / "outbox"))
    seed(app)
    return app


def read_eml(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_comment_with_email_enqueues_its_receipt_in_the_same_commit(seeded, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment")
    assert response.status_code == 303
    with seeded.app_context():
        comment = db.session.scalars(select(Comment)).one()
        (row,) = outbox_rows()
        assert row.kind == "receipt" and row.status == "pending" and row.attempts == 0
        assert row.recipients == ["zhang@example.com"]
        assert row.dedupe_key == f"receipt:{comment.id}"
        assert row.subject is None and row.text_body is None  # the worker writes it (render_receipts)
        (row,) = rendered_outbox_rows()
        assert comment.receipt_code in row.subject and comment.body in row.text_body


@pytest.mark.parametrize("fields", [{"email": ""}, {"website": "http://spam.example"}])
def test_no_receipt_without_email_or_for_spam(seeded, post_comment, fields):
    assert post_comment(CLAUSE12, f"{CLAUSE12}/comment", **fields).status_code == 303
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
        assert outbox_rows() == []


def test_comment_and_receipt_are_one_transaction(seeded, client, monkeypatch):
    """If enqueueing the receipt fails, the comment is not stored either (and vice versa)."""

    def broken(comment, **_options):
        enqueue("receipt", [comment.email], "x", "x", dedupe_key=f"receipt:{comment.id}")
        raise RuntimeError("template exploded")

    monkeypatch.setattr(commenters, "enqueue_receipt", broken)
    seeded.config["PROPAGATE_EXCEPTIONS"] = False
    page = client.get(CLAUSE12)
    response = client.post(f"{CLAUSE12}/comment", data={**form_tokens(page.get_data(as_text=True)), **valid_comment()})
    assert response.status_code == 500
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
        assert outbox_rows() == []


def test_the_comment_post_renders_no_mail_template(seeded, post_comment):
    """The receipt's text is the worker's work: in a surge the web tier only writes two rows."""
    from flask import template_rendered

    rendered = []

    def record(_app, template, **_extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, seeded):
        assert post_comment(CLAUSE12, f"{CLAUSE12}/comment").status_code == 303
    assert rendered and not [name for name in rendered if name.startswith("email/")]
    with seeded.app_context():
        (row,) = outbox_rows()
        assert row.text_body is None


def test_a_receipt_whose_comment_is_gone_fails_for_good(file_app, tmp_path):
    with file_app.app_context():
        comment_on("xihu-2023-demo", 12)
        (row,) = outbox_rows()
        row.dedupe_key = "receipt:987654321"  # a comment that no longer exists
        db.session.commit()
        result = drain()
        assert (result.sent, result.failed) == (0, 1)
        (row,) = outbox_rows()
        assert row.status == "failed" and "no longer exists" in row.last_error
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())


def test_a_receipt_that_cannot_be_rendered_is_retried(file_app, tmp_path, monkeypatch):
    from datetime import timedelta

    from westlake_feedback.timeutil import now_utc

    def exploding(comment):
        raise RuntimeError("template exploded")

    with file_app.app_context():
        comment = comment_on("xihu-2023-demo", 12)
        code = comment.receipt_code
        monkeypatch.setattr(commenters, "render_receipt", exploding)
        assert drain().retrying == 1
        (row,) = outbox_rows()
        assert (row.status, row.attempts, row.text_body) == ("pending", 1, None)
        assert "template exploded" in row.last_error
        monkeypatch.undo()
        assert drain(now=now_utc() + timedelta(hours=1)).sent == 1
        (row,) = outbox_rows()
        assert row.status == "sent" and code in row.subject
    (eml,) = (tmp_path / "outbox").iterdir()
    assert code in read_eml(eml)["Subject"]


def test_without_mail_server_messages_become_eml_files(file_app, tmp_path):
    with file_app.app_context():
        comment = comment_on("xihu-2023-demo", 12, body="<b>建议</b>明确资金拨付的时间节点。")
        code, comment_id = comment.receipt_code, comment.id
        result = drain()
        assert result.sent == 1
        (row,) = outbox_rows()
        assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
        row_id = row.id
        assert drain().sent == 0  # nothing twice
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == [f"{row_id}-receipt.eml"]  # no temporary file left behind
    message = read_eml(files[0])
    assert message["To"] == "zhang@example.com"
    assert message["Subject"] == f"【意见回执】您的意见已收到,回执编号 {code}"
    assert message["X-Westlake-Outbox-Id"] == str(row_id)
    text, html = text_and_html(message)
    assert "<b>建议</b>明确资金拨付的时间节点。" in text
    assert "&lt;b&gt;建议&lt;/b&gt;" in html and "<b>建议" not in html
    assert "强化" not in text  # clause 12 is not clause 1
    assert "张三,您好" in text and code in text
    assert f"http://127.0.0.1:5000/receipt/{code}" in text
    assert f'href="http://127.0.0.1:5000/receipt/{code}"' in html
    assert "演示版" in text  # the demo says it is one
    assert comment_id


def test_receipt_follows_the_english_interface(file_app):
    """Issue 8: a commenter who used the English interface gets an English receipt (staff mail stays
    Chinese: tests/mail/test_commenter_language.py)."""
    client = file_app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(CLAUSE12)
    assert 'lang="en"' in page.get_data(as_text=True)
    response = client.post(
        f"{CLAUSE12}/comment", data={**form_tokens(page.get_data(as_text=True)), **valid_comment()},
        follow_redirects=True,
    )
    assert "Your comment has been submitted" in response.get_data(as_text=True)  # the page stays English
    with file_app.app_context():
        (row,) = rendered_outbox_rows()  # written by the worker, in the commenter's language
        assert row.subject.startswith("[Receipt] Your comment has been received")
        assert "Your position: Suggest changes" in row.text_body


def test_base_url_builds_the_links(app_factory, tmp_path):
    app = app_factory(BASE_URL="https://yijian.example.gov.cn/xihu", OUTBOX_DIR=str(tmp_path))
    seed(app)
    with app.app_context():
        comment = comment_on("xihu-2023-demo", 12)
        (row,) = rendered_outbox_rows()
        assert f"https://yijian.example.gov.cn/xihu/receipt/{comment.receipt_code}" in row.text_body


def test_nothing_is_sent_from_inside_a_request(file_app):
    with file_app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="never from inside a web request"):
            drain()


def test_dedupe_key_makes_enqueue_idempotent(file_app):
    with file_app.app_context():
        first = enqueue("digest", ["a@example.com"], "主题", "正文", dedupe_key="digest:x")
        db.session.commit()
        second = enqueue("digest", ["a@example.com"], "主题", "正文", dedupe_key="digest:x")
        db.session.commit()
        assert first.id == second.id
        assert len(outbox_rows()) == 1
        with pytest.raises(ValueError):
            enqueue("digest", ["", " "], "主题", "正文")


def test_feedback_published_goes_once_to_each_commenter_address(file_app):
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.mail.commenters import enqueue_feedback_published

    with file_app.app_context():
        comment_on("xihu-2023-demo", 12, email="li@example.com")
        comment_on("xihu-2023-demo", 3, email="LI@example.com")  # same person, other case
        comment_on("xihu-2023-demo", None, email="wang@example.com")
        comment_on("xihu-2023-demo", 5, email="")
        comment_on("xihu-2023-demo", 5, email="bot@example.com", honeypot="http://spam")
        db.session.commit()
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        url = "http://127.0.0.1:5000/c/xihu-2023-demo/feedback"
        assert enqueue_feedback_published(consultation, url=url) == 2
        db.session.commit()
        assert enqueue_feedback_published(consultation, url=url) == 0  # a second publish adds nothing
        db.session.commit()
        rows = outbox_rows("feedback_published")
        assert sorted(r.recipients[0] for r in rows) == ["li@example.com", "wang@example.com"]
        assert all(url in r.text_body and f'href="{url}"' in r.html_body for r in rows)
        assert all("采纳情况" in r.subject for r in rows)
        # commenters get receipts and this, and nothing else
        kinds = {r.kind for r in outbox_rows() if r.recipients[0].lower() in {"li@example.com", "wang@example.com"}}
        assert kinds == {"receipt", "feedback_published"}


def test_failed_message_can_be_retried_from_the_cli(file_app):
    with file_app.app_context():
        row = enqueue("digest", ["a@example.com"], "主题", "正文")
        row.status, row.attempts, row.last_error = "failed", 6, "SMTPServerDisconnected: gone"
        db.session.commit()
        row_id = row.id
    runner = file_app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "list", "--status", "failed"])
    assert listing.exit_code == 0 and f"{row_id}" in listing.output and "SMTPServerDisconnected" in listing.output
    result = runner.invoke(args=["outbox", "retry", str(row_id)])
    assert result.exit_code == 0 and "queued again" in result.output
    assert "not a failed message" in runner.invoke(args=["outbox", "retry", str(row_id)]).output
    drained = runner.invoke(args=["outbox", "drain"])
    assert "sent 1" in drained.output
    with file_app.app_context():
        row = db.session.get(OutboxMessage, row_id)
        assert row.status == "sent" and row.attempts == 1
        assert retry(row_id) is None  # only failed messages go back
