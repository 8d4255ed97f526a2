"""Delivering one outbox row: real SMTP through Flask-Mail, or an .eml file when no server is set.

A transport session is opened once per batch (one SMTP connection) and sends row after row.
Errors are sorted into three kinds so the sender knows what to do with the row and the batch:
PermanentError (the server refused this message for good), TransientError (try this message
later, the connection is still usable) and anything else (the connection is gone).
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

from .models import OutboxMessage


class PermanentError(Exception):
    """The server rejected this message with a 5xx reply: retrying will not help."""


class TransientError(Exception):
    """This message could not be sent now (4xx reply); the connection may carry on."""


def build_message(row: OutboxMessage) -> Message:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender if isinstance(sender, str) else sender[1])[1].rpartition("@")[2] or "localhost"
    message = Message(
        subject=row.subject,
        recipients=row.recipients,
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
        """Send one row; returns a note on recipients the server refused while accepting others."""
        message = build_message(row)
        if message.has_bad_headers():
            raise PermanentError("bad header (newline in subject or address)")
        try:
            refused = self.connection.host.sendmail(
                sanitize_address(message.sender),
                sanitize_addresses(message.send_to),
                message.as_bytes(),
            )
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise (PermanentError if all(c >= 500 for c in codes) else TransientError)(
                f"recipients refused: {error.recipients}"
            ) from error
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, ...
            if error.smtp_code == 421:  # "service closing": the connection is going away
                raise
            kind = PermanentError if error.smtp_code >= 500 else TransientError
            raise kind(f"{error.smtp_code} {error.smtp_error!r}") from error
        self.connection.num_emails += 1
        return f"refused: {refused}" if refused else None


class FileSession:
    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, row: OutboxMessage) -> str | None:
        data = build_message(row).as_bytes()
        target = self.directory / f"{row.id}-{row.kind}.eml"
        temporary = self.directory / f".{target.name}.{uuid.uuid4().hex}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)  # readers never see half a file
        return None


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

