"""Delivering one outbox row: real SMTP through Flask-Mail, or an .eml file when no server is set.

A transport session is opened once per batch (one SMTP connection) and sends row after row.
Errors are sorted into three kinds so the sender knows what to do with the row and the batch:

- PermanentError: this message cannot go, and trying again will not change that: no recipient
  address the mail system can send to (see addresses.py), a message that cannot be encoded, a
  5xx refusal of its sender, recipients or data. The message fails alone; the batch carries on.
- TransientError: this message was refused for now (a 4xx reply other than 421); it is retried
  after the usual pause and the batch carries on over the same connection.
- anything else (refused, dropped or timed-out connection, 421 "closing"): the connection is gone,
  the batch stops and the rest is tried again later.

Everything that depends only on the message (addresses, headers, encoding) is done before the
SMTP transaction starts, so a bad row never leaves the connection half way through a transaction.
"""
from __future__ import annotations

import os
import smtplib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from flask_mail import Connection, Message, sanitize_address, sanitize_addresses

from .addresses import AddressError, smtp_address
from .models import OutboxMessage


class PermanentError(Exception):
    """This message cannot be sent, now or later (its own problem or a 5xx reply)."""


class TransientError(Exception):
    """This message could not be sent now (4xx reply); the connection may carry on."""


def envelope_recipients(row: OutboxMessage) -> tuple[list[str], list[str]]:
    """(the recipients in their ASCII form, notes on those that cannot be sent to)."""
    sendable, unsendable = [], []
    for address in row.recipients:
        try:
            converted = smtp_address(address)
        except AddressError as error:
            unsendable.append(str(error))
            continue
        if converted.lower() not in {a.lower() for a in sendable}:
            sendable.append(converted)
    return sendable, unsendable


def prepare(row: OutboxMessage) -> tuple[Message, bytes, str | None]:
    """The message, its bytes and a note on recipients left out; PermanentError if it cannot go."""
    recipients, unsendable = envelope_recipients(row)
    note = f"not sent to: {'; '.join(unsendable)}" if unsendable else None
    if not recipients:
        raise PermanentError(f"no address the mail system can send to: {'; '.join(unsendable)}")
    try:
        message = build_message(row, recipients)
        if message.has_bad_headers():
            raise PermanentError("bad header (newline in subject or address)")
        return message, message.as_bytes(), note
    except PermanentError:
        raise
    except Exception as error:  # this message's content cannot be encoded: it never will be
        raise PermanentError(f"cannot build the message: {type(error).__name__}: {error}") from error


def build_message(row: OutboxMessage, recipients: list[str] | None = None) -> Message:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender if isinstance(sender, str) else sender[1])[1].rpartition("@")[2] or "localhost"
    message = Message(
        subject=row.subject,
        recipients=recipients if recipients is not None else row.recipients,
        body=row.text_body,
        html=row.html_body,
        sender=sender,
        extra_headers={
            "X-Westlake-Outbox-Id": str(row.id),
            "X-Westlake-Kind": row.kind,
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies to a robot
        },
    )
    # Stable per row: if a crash makes us send a row twice, mail systems can tell it is one message.
    message.msgId = f"<outbox-{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    message.date = time.time()
    for attachment in row.attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    return message


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so that a silent server cannot hang the worker."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(str(self.mail.username), str(self.mail.password))
        return host


class SMTPSession:
    def __init__(self, connection: _TimedConnection):
        self.connection = connection

    def send(self, row: OutboxMessage) -> str | None:
        """Send one row; returns a note on recipients refused or left out while others got it."""
        message, data, note = prepare(row)
        host = self.connection.host
        try:
            refused = host.sendmail(sanitize_address(message.sender), sanitize_addresses(message.send_to), data)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if 421 in codes:  # "service closing": smtplib has closed the connection
                raise smtplib.SMTPServerDisconnected(f"recipients refused: {error.recipients}") from error
            raise (PermanentError if all(c >= 500 for c in codes) else TransientError)(
                f"recipients refused: {error.recipients}"
            ) from error
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, ...
            if error.smtp_code == 421:  # "service closing": the connection is going away
                raise
            kind = PermanentError if error.smtp_code >= 500 else TransientError
            raise kind(f"{error.smtp_code} {error.smtp_error!r}") from error
        except (UnicodeError, ValueError) as error:  # the message's own, found half way: reset
            host.rset()  # raises (connection-level) if the connection is no longer usable
            raise PermanentError(f"cannot send: {type(error).__name__}: {error}") from error
        self.connection.num_emails += 1
        notes = [f"refused: {refused}"] if refused else []
        return "; ".join(notes + ([note] if note else [])) or None


class FileSession:
    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, row: OutboxMessage) -> str | None:
        _message, data, note = prepare(row)
        target = self.directory / f"{row.id}-{row.kind}.eml"
        temporary = self.directory / f".{target.name}.{uuid.uuid4().hex}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)  # readers never see half a file
        return note


def uses_smtp() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def outbox_dir() -> Path:
    configured = current_app.config.get("OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


@contextmanager
def open_session() -> Iterator[SMTPSession | FileSession]:
    """One SMTP connection (or the outbox folder) for a batch. Connecting may raise."""
    if not uses_smtp():
        directory = outbox_dir()
        directory.mkdir(parents=True, exist_ok=True)
        yield FileSession(directory)
        return
    connection = _TimedConnection(current_app.extensions["mail"])
    connection.host = connection.configure_host()
    try:
        yield SMTPSession(connection)
    finally:
        try:
            connection.host.quit()
        except (smtplib.SMTPException, OSError):  # the server already dropped us
            connection.host.close()

