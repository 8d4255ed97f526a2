"""Writing mail into the outbox. Nothing here sends anything or commits: the caller's commit makes
the event and its mail one transaction, and the worker sends it later (see sender.py)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..timeutil import now_utc
from .models import MessageKind, OutboxAttachment, OutboxMessage, OutboxStatus

MAIL_LOCALE = "zh_CN"  # staff mail (digests, close notices) is Chinese whatever the sender's UI language


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


def recipient_locale(locale: str | None) -> str:
    """A commenter's stored interface language if the site still offers it, else Chinese."""
    return locale if locale in current_app.config["LANGUAGES"] else MAIL_LOCALE


@contextmanager
def mail_locale(locale: str = MAIL_LOCALE) -> Iterator[None]:
    """Render subjects and bodies in `locale` (Chinese by default), whatever the request's language."""
    with force_locale(locale):
        yield


def render_mail(name: str, locale: str = MAIL_LOCALE, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies from templates/email/<name>.txt and .html, in `locale`."""
    with mail_locale(locale):
        text = render_template(f"email/{name}.txt", **context)
        html = render_template(f"email/{name}.html", **context)
    return text.strip() + "\n", html


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL, so that it works in the worker (no request)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def clean_recipients(addresses: Iterable[str]) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def enqueue_unwritten(kind: MessageKind, address: str, *, dedupe_key: str, at: datetime) -> None:
    """A message to one address that the worker writes before sending it (a receipt), known to be
    new (its dedupe key's unique index still guards that): one Core INSERT in the caller's
    transaction, no ORM object."""
    addresses = clean_recipients([address])
    if not addresses:
        raise ValueError("a message needs at least one recipient")
    db.session.execute(OutboxMessage.__table__.insert(), {
        "kind": MessageKind(kind).value, "recipients": OutboxMessage.encode_recipients(addresses),
        "subject": None, "text_body": None, "html_body": None, "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING.value, "attempts": 0,
        "max_attempts": current_app.config["OUTBOX_MAX_ATTEMPTS"], "next_attempt_at": at,
        "lease_owner": None, "lease_expires_at": None, "last_error": None, "created_at": at, "sent_at": None,
    })


def clean_subject(subject: str) -> str:
    return re.sub(r"\s+", " ", subject).strip()  # no header injection, no folded titles


def enqueue(
    kind: MessageKind,
    recipients: Iterable[str],
    subject: str | None,
    text_body: str | None,
    html_body: str | None = None,
    *,
    dedupe_key: str | None = None,
    attachments: Iterable[MailAttachment] = (),
    at: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the session (no commit). A subject and text of None: a receipt, which the
    worker renders before sending (commenters.render_receipts). With a dedupe_key already in the outbox, the
    existing message is returned and nothing is added (a message known to be new: enqueue_unwritten)."""
    if dedupe_key is not None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    addresses = clean_recipients(recipients)
    if not addresses:
        raise ValueError("a message needs at least one recipient")
    message = OutboxMessage(
        kind=MessageKind(kind).value,
        subject=None if subject is None else clean_subject(subject),
        text_body=text_body,
        html_body=html_body,
        dedupe_key=dedupe_key,
        max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"],
        next_attempt_at=at or now_utc(),
        created_at=at or now_utc(),
    )
    message.recipients = addresses
    for attachment in attachments:
        message.attachments.append(
            OutboxAttachment(
                filename=attachment.filename, content_type=attachment.content_type, data=attachment.data
            )
        )
    db.session.add(message)
    return message
