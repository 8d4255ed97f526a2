"""The only two kinds of mail a commenter ever gets: a receipt, and the link to the office's
published feedback. Both are enqueued (not sent) in the caller's transaction, and written in the
interface language the commenter used (Comment.locale); staff mail stays Chinese (see digests)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..comments.fingerprints import comment_fingerprint, grouped
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Consultation
from ..extensions import db
from .models import MessageKind, OutboxMessage
from .services import absolute_url, enqueue, mail_locale, recipient_locale, render_mail


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


def enqueue_receipt(comment: Comment, rendered: tuple[str, str, str] | None = None,
                    *, new: bool = False) -> OutboxMessage | None:
    """A receipt for a comment that gave an email address; none for spam. The comment needs an id.
    `rendered` is render_receipt()'s result if already made; `new` says the comment was just
    inserted, so no receipt can exist for it yet (no look-up for a duplicate)."""
    if not wants_receipt(comment):
        return None
    subject, text, html = rendered or render_receipt(comment)
    return enqueue(
        MessageKind.RECEIPT, [comment.email], subject, text, html,
        dedupe_key=f"receipt:{comment.id}", at=comment.created_at, known_new=new,
    )


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
