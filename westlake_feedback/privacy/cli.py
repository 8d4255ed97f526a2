from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .services import purge

privacy_cli = AppGroup("privacy", help="Personal data: the retention purge.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only print what would be removed; change nothing.")
def purge_command(dry_run: bool):
    """Remove contact details of consultations closed longer ago than WESTLAKE_RETENTION_DAYS."""
    result = purge(dry_run=dry_run, actor_email="flask privacy purge")
    verb = "would remove" if dry_run else "removed"
    click.echo(f"retention: {current_app.config['RETENTION_DAYS']} days after a consultation closes"
               + (" (dry run: nothing is changed)" if dry_run else ""))
    for plan in result.consultations:
        click.echo(f"  {verb}: {plan}")
    if not result.consultations:
        click.echo("  no consultation has passed its retention period")
    click.echo(f"  {verb}: {result.old_outbox_messages} outbox message(s) older than the retention period")
    click.echo(f"  {verb}: IP hash keys of {', '.join(result.ip_hash_keys) or 'no month'}")
