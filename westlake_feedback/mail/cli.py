from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..timeutil import to_local
from .models import OutboxMessage, OutboxStatus
from .sender import drain, retry, status_counts

outbox_cli = AppGroup("outbox", help="The queue of outgoing mail.")


@outbox_cli.command("drain")
def drain_command():
    """Send every due message now (what the worker does every 30 seconds)."""
    result = drain()
    click.echo(f"outbox: {result}")
    for error in result.errors[:5]:
        click.echo(f"  {error}", err=True)


@outbox_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), help="Only this status.")
@click.option("--limit", type=int, default=50, show_default=True)
def list_command(status: str | None, limit: int):
    """Recent messages, newest first, with counts per status."""
    counts = status_counts()
    click.echo(", ".join(f"{s.value}: {counts.get(s.value, 0)}" for s in OutboxStatus))
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    for message in db.session.scalars(query):
        when = to_local(message.sent_at or message.created_at).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{message.id:>6} {message.status:<8} {message.kind:<19} {when} tries {message.attempts}/"
            f"{message.max_attempts} to {', '.join(message.recipients)}: {message.shown_subject}"
        )
        if message.status != OutboxStatus.SENT.value and message.last_error:
            click.echo(f"{'':>8}last error: {message.last_error[:200]}")


@outbox_cli.command("retry")
@click.argument("message_ids", type=int, nargs=-1)
@click.option("--all-failed", is_flag=True, help="Every failed message.")
def retry_command(message_ids: tuple[int, ...], all_failed: bool):
    """Queue failed messages again, with a fresh set of attempts."""
    ids = list(message_ids)
    if all_failed:
        ids += db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED.value))
    if not ids:
        raise click.UsageError("give message ids or --all-failed")
    for message_id in ids:
        message = retry(message_id)
        if message is not None:
            record("outbox_retry", target=message, summary=message.shown_subject, actor_email="flask outbox retry")
        db.session.commit()
        click.echo(f"{message_id}: {'queued again' if message else 'not a failed message'}")
