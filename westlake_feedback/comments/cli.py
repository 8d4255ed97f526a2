from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .counts import recount_all

counts_cli = AppGroup("counts", help="The stored counts public pages read instead of counting comments.")


@counts_cli.command("recount")
def recount_command():
    """Recount the approved comments per clause and consultation and the published feedback's
    tallies from the comments, repair any that were wrong, and say how many were."""
    wrong = recount_all()
    db.session.commit()
    click.echo("recounted; wrong before: " + ", ".join(f"{count} {name}" for name, count in wrong.items()))
