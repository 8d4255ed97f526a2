"""The only two kinds of mail a commenter ever gets: a receipt, and the link to the office's
published feedback. Both are enqueued (not sent) in the caller's transaction, and written in the
interface language the commenter used (Comment.locale); staff mail stays Chinese (see digests).

A receipt is enqueued with its comment but rendered by the worker, just before it is sent
(render_receipts, called by sender.drain): a comment POST then writes two rows and renders no mail
template, which in a surge is the web tier's work left for the worker to catch up on. What the
receipt says comes from the comment, whose words, clause, stance and time never change; a comment
deleted before its receipt went out (privacy purge) takes its pending receipt with it."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..comments.fingerprints import comment_fingerprint, grouped
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Consultation
from ..extensions import db
from .models import MessageKind, OutboxMessage
from .services import (absolute_url, clean_subject, enqueue, enqueue_unwritten, mail_locale, recipient_locale,
                       render_mail)

RECEIPT_KEY = "receipt:"  # + the comment's id: the dedupe key of its receipt


def render_receipt(comment: Comment) -> tuple[str, str, str]:
    """Subject, text and HTML of a comment's receipt. Needs no id: it can be rendered before the
    comment is flushed, so that no write lock is held while templates render."""
    consultation = comment.consultation
    locale = recipient_locale(comment.locale)
    context = {
        "comment": comment,
        "consultation": consultation,
        "status_url": absolute_url("comments.receipt", code=comment.receipt_code),
        "verify_url": absolute_url("comments.verify_receipt", code=comment.receipt_code),
        "fingerprint": grouped(comment_fingerprint(comment)),
        "consultation_url": absolute_url("consultations.notice", slug=consultation.slug),
    }
    with mail_locale(locale):
        subject = _("【意见回执】您的意见已收到,回执编号 %(code)s", code=comment.receipt_code)
    text, html = render_mail("receipt", locale, **context)
    return subject, text, html


def wants_receipt(comment: Comment) -> bool:
    return bool(comment.email) and comment.status != CommentStatus.SPAM.value


def enqueue_receipt(comment: Comment, *, new: bool = False) -> None:
    """A receipt for a comment that gave an email address; none for spam. The comment needs an id.
    The message is written without its text, which the worker renders before sending it
    (render_receipts). `new` says the comment was just inserted, so no receipt can exist for it
    yet: one INSERT, no look-up for a duplicate."""
    if not wants_receipt(comment):
        return
    key, at = f"{RECEIPT_KEY}{comment.id}", comment.created_at
    if new:
        enqueue_unwritten(MessageKind.RECEIPT, comment.email, dedupe_key=key, at=at)
    else:
        enqueue(MessageKind.RECEIPT, [comment.email], None, None, dedupe_key=key, at=at)


def _receipt_comment_id(message: OutboxMessage) -> int | None:
    key = message.dedupe_key or ""
    number = key[len(RECEIPT_KEY):]
    return int(number) if key.startswith(RECEIPT_KEY) and number.isdigit() else None


def render_receipts(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Write the subject and bodies of the receipts among `messages` that have none yet, from their
    comments (one query for all of them); no commit. Returns those whose comment no longer exists."""
    unwritten = [m for m in messages if m.text_body is None and m.kind == MessageKind.RECEIPT]
    if not unwritten:
        return []
    waiting = {_receipt_comment_id(m): m for m in unwritten}
    comments = db.session.scalars(
        select(Comment).where(Comment.id.in_([i for i in waiting if i is not None]))
        .options(joinedload(Comment.consultation), joinedload(Comment.clause))
    )
    for comment in comments:
        message = waiting.pop(comment.id)
        subject, message.text_body, message.html_body = render_receipt(comment)
        message.subject = clean_subject(subject)
    return [m for m in unwritten if m.text_body is None]


def commenter_languages(consultation: Consultation) -> dict[str, str]:
    """Each address (lower case) that commented on the consultation, spam left out, with the
    language of its latest comment."""
    rows = db.session.execute(
        select(func.lower(Comment.email), Comment.locale)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.email.is_not(None),
            Comment.status != CommentStatus.SPAM.value,
        )
        .order_by(Comment.created_at, Comment.id)
    )
    return {address: locale for address, locale in rows}  # later rows win


def enqueue_feedback_published(consultation: Consultation, url: str | None = None) -> int:
    """Tell every commenter who gave an email (once per address, in the language of their latest
    comment) where the office's feedback on the consultation is published. Spam is left out.
    Returns the number of new messages."""
    url = url or absolute_url("consultations.notice", slug=consultation.slug)
    languages = commenter_languages(consultation)
    key_prefix = f"feedback:{consultation.id}:"
    already = set(
        db.session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True))
        )
    )
    rendered: dict[str, tuple[str, str, str]] = {}
    created = 0
    for address in sorted(languages):
        key = key_prefix + address
        if key in already:
            continue
        locale = recipient_locale(languages[address])
        if locale not in rendered:
            with mail_locale(locale):
                subject = _("【意见反馈】《%(title)s》征求意见的采纳情况已公布", title=consultation.title)
            rendered[locale] = (subject, *render_mail("feedback_published", locale, consultation=consultation,
                                                      feedback_url=url))
        subject, text, html = rendered[locale]
        enqueue(MessageKind.FEEDBACK_PUBLISHED, [address], subject, text, html, dedupe_key=key)
        created += 1
    return created
