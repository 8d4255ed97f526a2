"""A commenter hears back in the language of the interface they commented in; staff mail stays
Chinese. Delivered through the real SMTP server (aiosmtpd), so subjects and bodies are checked as sent."""
from __future__ import annotations

import re

from sqlalchemy import select

from helpers import (STAFF_EMAILS, consultation, create_staff, form_tokens, local, login, make_comment, outbox_rows,
                     seed, text_and_html, valid_comment)
from intake_helpers import post_offline
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail.commenters import enqueue_feedback_published
from westlake_feedback.mail.sender import drain

CLAUSE12 = "/c/xihu-2023-demo/clauses/12"
HAN = re.compile(r"[\u3400-\u9fff]")
# What a commenter's mail may carry in Chinese whatever the language: the draft's own words
# (title, clause label and heading, issuer) and what the commenter typed.
BODY = "建议明确资金拨付的时间节点和申请流程。"


def web_comment(client, language: str | None, **fields) -> str:
    """Comment on clause 12 through the form, as a browser would (outside any app context, so
    that each request has its own); returns the receipt code."""
    if language:
        assert client.get(f"/lang/{language}?next={CLAUSE12}").status_code == 302
    page = client.get(CLAUSE12)
    assert page.status_code == 200
    data = {**form_tokens(page.get_data(as_text=True)), **valid_comment(body=BODY, **fields)}
    response = client.post(f"{CLAUSE12}/comment", data=data)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def by_code(code: str) -> Comment:
    return db.session.scalar(select(Comment).where(Comment.receipt_code == code))


def without_draft_words(text: str, comment: Comment) -> str:
    consultation = comment.consultation
    for words in (consultation.title, consultation.issuer, comment.clause.label, comment.clause.title,
                  comment.name, BODY, consultation.contact_person):
        if words:
            text = text.replace(words, "")
    return text


def test_english_interface_gives_an_english_receipt(mail_app, smtp_server):
    seed(mail_app)
    code = web_comment(mail_app.test_client(), "en", name="Li Si")
    with mail_app.app_context():
        comment = by_code(code)
        assert comment.locale == "en"
        assert drain().sent == 1
        (message,) = smtp_server.messages()
        assert message["Subject"] == f"[Receipt] Your comment has been received: receipt number {code}"
        text, html = text_and_html(message)
        assert text.startswith("Dear Li Si,")
        assert f"Receipt number: {code}" in text and BODY in text
        assert "Your position: Suggest changes" in text
        assert '<html lang="en">' in html and f"Receipt number</th>" in html
        for part in (text, html):
            assert not HAN.search(without_draft_words(part, comment)), HAN.findall(without_draft_words(part, comment))


def test_chinese_interface_and_no_choice_give_a_chinese_receipt(mail_app, smtp_server):
    seed(mail_app)
    chosen = web_comment(mail_app.test_client(), "zh_CN", email="a@example.com")
    default = web_comment(mail_app.test_client(), None, email="b@example.com")
    with mail_app.app_context():
        assert (by_code(chosen).locale, by_code(default).locale) == ("zh_CN", "zh_CN")
        assert drain().sent == 2
    for message in smtp_server.messages():
        assert message["Subject"].startswith("【意见回执】您的意见已收到,回执编号 ")
        text, html = text_and_html(message)
        assert "张三,您好" in text and "回执编号:" in text and "您的态度:修改建议" in text
        assert '<html lang="zh-CN">' in html


def test_offline_entry_typed_in_english_ui_still_gets_a_chinese_receipt(mail_app, smtp_server):
    """The sender of a letter never saw the interface: their receipt is Chinese, whatever the clerk's UI."""
    seed(mail_app)
    create_staff(mail_app)
    clerk = mail_app.test_client()
    assert login(clerk, STAFF_EMAILS["moderator"]).status_code == 302
    assert clerk.get("/lang/en?next=/staff/").status_code == 302
    assert post_offline(clerk).status_code == 303
    with mail_app.app_context():
        (comment,) = db.session.scalars(select(Comment))
        assert comment.channel == "letter" and comment.locale == "zh_CN"
        code = comment.receipt_code
        assert drain().sent == 1
    (message,) = smtp_server.messages()
    assert message["Subject"] == f"【意见回执】您的意见已收到,回执编号 {code}"
    assert text_and_html(message)[0].startswith("李四,您好:")


def test_feedback_notice_follows_each_address_latest_comment_language(mail_app, smtp_server):
    seed(mail_app)
    with mail_app.app_context():
        make_comment("xihu-2023", 3, status="approved", email="en@example.com", locale="en")
        make_comment("xihu-2023", 4, status="approved", email="zh@example.com")
        # one address, two comments: the later one (English) decides
        make_comment("xihu-2023", 5, status="approved", email="both@example.com", locale="zh_CN",
                     created_at=local("2023-03-16 10:00"))
        make_comment("xihu-2023", 6, status="approved", email="Both@example.com", locale="en",
                     created_at=local("2023-03-17 10:00"))
        assert enqueue_feedback_published(consultation("xihu-2023"), "http://127.0.0.1:5000/c/xihu-2023/feedback") == 3
        db.session.commit()
        assert len(outbox_rows("feedback_published")) == 3
        assert drain().sent == 3
    by_address = {m["To"]: m for m in smtp_server.messages()}
    for address in ("en@example.com", "both@example.com"):
        message = by_address[address]
        assert message["Subject"].startswith("[Feedback] How the comments on “")
        text, html = text_and_html(message)
        assert text.startswith("Hello,") and "/c/xihu-2023/feedback" in text and '<html lang="en">' in html
    chinese = by_address["zh@example.com"]
    assert chinese["Subject"].startswith("【意见反馈】《")
    assert text_and_html(chinese)[0].startswith("您好:")


def test_staff_mail_stays_chinese_when_the_commenter_wrote_in_english(mail_app, smtp_server):
    seed(mail_app)
    with mail_app.app_context():
        consultation("xihu-2023-demo").digest_extra_recipients = "office@example.com"
        db.session.commit()
    web_comment(mail_app.test_client(), "en", email="reader@example.com")
    runner = mail_app.test_cli_runner()
    assert "mail queued" in runner.invoke(args=["digests", "send", "--now", "--consultation", "xihu-2023-demo"]).output
    with mail_app.app_context():
        assert drain().sent == 2
    digest = next(m for m in smtp_server.messages() if m["To"] == "office@example.com")
    assert "新增意见1条" in digest["Subject"]
    assert "意见汇总" in text_and_html(digest)[0]
