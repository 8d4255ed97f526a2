from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..consultations.models import DIGEST_TIME, Consultation, split_addresses
from ..extensions import db
from ..mail.addresses import AddressError, smtp_address
from ..timeutil import now_utc, to_local
from .models import Digest
from .schedule import send_digest_now, send_due_close_notices, send_due_digests
from .services import digest_recipients

digests_cli = AppGroup("digests", help="Digests of new comments to the contact mailbox.")


def _consultation(slug: str) -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.BadParameter(f"no consultation {slug!r}", param_hint="--consultation")
    return consultation


def _describe(digest: Digest) -> str:
    mail = "mail queued" if digest.message_id else "no mail (nothing new)"
    return f"{digest.consultation.slug}: digest {digest.id} ({digest.kind}), {digest.comment_count} comment(s), {mail}"


@digests_cli.command("send")
@click.option("--consultation", "slug", help="Only this consultation (slug).")
@click.option("--now", "on_demand", is_flag=True, help="Send a digest now, whatever the time.")
def send_command(slug: str | None, on_demand: bool):
    """Enqueue due digests and close notices (for cron); with --now, a digest at once.

    Mail is queued in the outbox; the worker or `flask outbox drain` sends it."""
    now = now_utc()
    if on_demand:
        if slug:
            consultations = [_consultation(slug)]
        else:
            consultations = db.session.scalars(
                select(Consultation).where(Consultation.opens_at <= now, Consultation.closes_at > now)
            ).all()
        if not consultations:
            click.echo("no open consultation; name one with --consultation")
        for consultation in consultations:
            digest = send_digest_now(consultation, now)
            click.echo(_describe(digest) if digest else f"{consultation.slug}: no digest recipients")
        return
    if slug:
        _consultation(slug)
    digests = send_due_digests(now, slug)
    closed = send_due_close_notices(now, slug)
    for digest in digests:
        click.echo(_describe(digest))
    for result in closed:
        click.echo(f"close notice queued ({result.total} comment(s) in total)")
    if not digests and not closed:
        click.echo("nothing due")


@digests_cli.command("configure")
@click.argument("slug")
@click.option("--time", "digest_time", help="Daily digest time, HH:MM Asia/Shanghai (default 18:00).")
@click.option("--extra-recipients", help="Addresses besides the notice's contact mailbox, comma separated ('' for none).")
@click.option("--send-empty/--skip-empty", default=None, help="On a day with nothing new: a one-line note, or nothing.")
def configure_command(slug: str, digest_time: str | None, extra_recipients: str | None, send_empty: bool | None):
    """Show or change a consultation's digest settings."""
    consultation = _consultation(slug)
    if digest_time is not None:
        if not DIGEST_TIME.match(digest_time):
            raise click.BadParameter("use HH:MM, e.g. 18:00", param_hint="--time")
        consultation.digest_time = digest_time
    if extra_recipients is not None:
        addresses = split_addresses(extra_recipients)
        bad = []
        for address in addresses:
            try:
                smtp_address(address)
            except AddressError as error:
                bad.append(str(error))
        if bad:
            raise click.BadParameter(f"not an address mail can be sent to: {'; '.join(bad)}",
                                     param_hint="--extra-recipients")
        consultation.digest_extra_recipients = ", ".join(addresses)
    if send_empty is not None:
        consultation.digest_send_empty = send_empty
    db.session.commit()
    click.echo(f"{consultation.slug}: daily at {consultation.digest_time} (Asia/Shanghai) while open")
    click.echo(f"  to: {', '.join(digest_recipients(consultation)) or '(nobody: set an email or extra recipients)'}")
    click.echo(f"  empty days: {'a one-line note' if consultation.digest_send_empty else 'nothing'}")
    last = db.session.scalar(
        select(Digest).where(Digest.consultation_id == consultation.id).order_by(Digest.id.desc()).limit(1)
    )
    if last is not None:
        click.echo(f"  last digest: {to_local(last.created_at):%Y-%m-%d %H:%M}, {last.comment_count} comment(s)")
    if consultation.close_notice_sent_at:
        click.echo(f"  close notice: {to_local(consultation.close_notice_sent_at):%Y-%m-%d %H:%M}")
