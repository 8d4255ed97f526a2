"""Draining the outbox: claim a batch with a lease, send it over one connection, record each result.

Several workers may drain at once. A batch is claimed in one short transaction that sets
lease_owner to a token unique to this claim; only rows whose lease is free or expired can be
claimed, so two workers never hold the same row. On PostgreSQL the claim is
SELECT ... FOR UPDATE SKIP LOCKED; on SQLite (one writer at a time) a single UPDATE whose WHERE
repeats the claimable conditions. Each message is marked sent in its own commit right after the
server accepted it: if the connection drops half way, what was accepted stays sent and the rest
is retried. A worker killed between the server's "250 OK" and that commit is the one case in
which a message can go out twice (its lease expires and another worker sends it again).
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..timeutil import now_utc
from .models import OutboxMessage, OutboxStatus
from .transport import PermanentError, TransientError, open_session

log = logging.getLogger("westlake_feedback.mail")

PENDING, SENT, FAILED = OutboxStatus.PENDING.value, OutboxStatus.SENT.value, OutboxStatus.FAILED.value


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again after a pause
    failed: int = 0  # given up: shown to admins
    released: int = 0  # claimed but not tried (connection lost first); claimable again at once
    connection_lost: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: DrainResult) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.released += other.released
        self.connection_lost = self.connection_lost or other.connection_lost
        self.errors.extend(other.errors)

    def __str__(self) -> str:
        return f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, released {self.released}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:60]


def backoff(attempts: int) -> timedelta:
    """Pause after the n-th failed attempt: base, 2 x base, 4 x base, ... capped."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def _claimable(now: datetime):
    return and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_owner.is_(None), OutboxMessage.lease_expires_at < now),
    )


def claim_batch(limit: int, now: datetime) -> tuple[str, list[OutboxMessage]]:
    """Lease up to `limit` due messages to a fresh token and return them (committed)."""
    token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    until = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    lease = update(OutboxMessage).values(lease_owner=token, lease_expires_at=until)
    lease = lease.execution_options(synchronize_session=False)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(due.limit(limit).with_for_update(skip_locked=True)).all()
        if ids:
            db.session.execute(lease.where(OutboxMessage.id.in_(ids)))
    else:
        # One statement: SQLite runs it under the database's single write lock, and the repeated
        # conditions make a row leased by someone else in the meantime unclaimable.
        db.session.execute(lease.where(OutboxMessage.id.in_(due.limit(limit)), _claimable(now)))
    db.session.commit()
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.lease_owner == token).order_by(OutboxMessage.id)
    ).all()
    return token, list(rows)


def _finish(row: OutboxMessage, token: str, **values) -> None:
    """Write one row's outcome, only if we still hold its lease, and commit at once."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.lease_owner == token)
        .values(lease_owner=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox message %s: lease %s was lost before its result was recorded", row.id, token)


def _mark_sent(row: OutboxMessage, token: str, note: str | None, now: datetime) -> None:
    _finish(row, token, status=SENT, sent_at=now, attempts=row.attempts + 1, last_error=note)


def _mark_attempt_failed(row: OutboxMessage, token: str, error: str, now: datetime, permanent: bool) -> str:
    attempts = row.attempts + 1
    if permanent or attempts >= row.max_attempts:
        _finish(row, token, status=FAILED, attempts=attempts, last_error=error[:2000])
        log.error("outbox message %s (%s) failed for good: %s", row.id, row.kind, error)
        return FAILED
    _finish(row, token, attempts=attempts, last_error=error[:2000], next_attempt_at=now + backoff(attempts))
    log.warning("outbox message %s (%s), attempt %d failed: %s", row.id, row.kind, attempts, error)
    return PENDING


def release(rows: list[OutboxMessage], token: str) -> None:
    if not rows:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row.id for row in rows]), OutboxMessage.lease_owner == token)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _render_unwritten(rows: list[OutboxMessage], token: str, now: datetime, result: DrainResult) -> list[OutboxMessage]:
    """Write the text of the claimed receipts that have none yet (committed), before any connection
    is opened; a receipt whose comment is gone fails for good. Returns the rows left to send."""
    if all(row.text_body is not None for row in rows):
        return rows
    from .commenters import render_receipts  # commenters reads comments; the sender needs it only here

    try:
        orphans = render_receipts(rows)
        db.session.commit()
    except Exception as error:  # a template that cannot render: every unwritten row is retried later
        db.session.rollback()
        log.exception("outbox: receipts could not be rendered")
        unwritten = [row for row in rows if row.text_body is None]
        for row in unwritten:
            _count(result, _mark_attempt_failed(row, token, _describe(error), now, permanent=False))
        return [row for row in rows if row not in unwritten]
    for row in orphans:
        _count(result, _mark_attempt_failed(row, token, "the comment of this receipt no longer exists", now,
                                            permanent=True))
    return [row for row in rows if row not in orphans]


def send_batch(rows: list[OutboxMessage], token: str, now: datetime | None = None) -> DrainResult:
    """Send a claimed batch over one connection; every row ends sent, failed, retrying or released."""
    clock = (lambda: now) if now else now_utc
    result = DrainResult()
    rows = _render_unwritten(rows, token, clock(), result)
    if not rows:
        return result
    stack = ExitStack()
    try:
        session = stack.enter_context(open_session())
    except Exception as error:  # cannot connect: that was every message's attempt
        for row in rows:
            _count(result, _mark_attempt_failed(row, token, _describe(error), clock(), permanent=False))
        result.connection_lost = True
        result.errors.append(_describe(error))
        return result
    pending = list(rows)
    with stack:
        try:
            _send_rows(session, pending, token, clock, result)
        finally:
            release(pending, token)
            result.released += len(pending)
    return result


def _count(result: DrainResult, outcome: str) -> None:
    if outcome == FAILED:
        result.failed += 1
    else:
        result.retrying += 1


def _send_rows(session, pending: list[OutboxMessage], token: str, clock, result: DrainResult) -> None:
    """Send row after row. A row's own failure (PermanentError: failed now, since retrying cannot
    help; TransientError: retried after its pause) leaves the rest of the batch going; any other
    error means the connection is gone and stops the batch."""
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    stop_at = clock() + lease * 0.8  # leave the rest to a fresh claim before the lease runs out
    while pending and clock() < stop_at:
        row = pending.pop(0)
        try:
            note = session.send(row)
        except PermanentError as error:
            _count(result, _mark_attempt_failed(row, token, _describe(error), clock(), permanent=True))
            result.errors.append(f"message {row.id}: {_describe(error)}")
        except TransientError as error:
            _count(result, _mark_attempt_failed(row, token, _describe(error), clock(), permanent=False))
            result.errors.append(f"message {row.id}: {_describe(error)}")
        except Exception as error:  # connection dropped, timeout, ...: the batch stops here
            _count(result, _mark_attempt_failed(row, token, _describe(error), clock(), permanent=False))
            result.errors.append(_describe(error))
            result.connection_lost = True
            return
        else:
            _mark_sent(row, token, note, clock())
            result.sent += 1


def drain(now: datetime | None = None, max_batches: int | None = None) -> DrainResult:
    """Send every due message, batch after batch, until none is left or the server misbehaves."""
    if has_request_context():
        raise RuntimeError("mail is sent by the worker, never from inside a web request")
    total = DrainResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        token, rows = claim_batch(current_app.config["OUTBOX_BATCH_SIZE"], now or now_utc())
        if not rows:
            break
        batches += 1
        result = send_batch(rows, token, now)
        total.add(result)
        if result.connection_lost:
            break  # the server is gone or struggling: let it be until the next round
        # A message refused for its own reason does not hold back the others: next batch. Every
        # tried row is either finished or waiting for its pause, so this loop ends.
    return total


# Admin side ------------------------------------------------------------------

def outbox_messages(status: str | None = None):
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return query.where(OutboxMessage.status == status) if status else query


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}


def retry(message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Put a failed message back in the queue with a fresh set of attempts. No commit: the caller
    commits it together with its audit entry. None if there is no such failed message."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=now or now_utc(), lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    message = db.session.get(OutboxMessage, message_id)
    db.session.refresh(message)
    return message
