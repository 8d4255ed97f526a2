from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..comments.models import Comment
from ..consultations.models import Consultation
from ..extensions import db
from .services import rebuild

clusters_cli = AppGroup("clusters", help="Near-duplicate clusters of comments.")


@clusters_cli.command("rebuild")
@click.argument("slug")
def rebuild_command(slug: str):
    """Cluster every comment of consultation SLUG afresh (safe to run again: same clusters)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.ClickException(f"no consultation {slug!r}")
    total = db.session.scalar(select(func.count()).where(Comment.consultation_id == consultation.id))
    with click.progressbar(length=total, label=f"clustering {total} comments", file=click.get_text_stream("stderr")) as bar:
        result = rebuild(consultation, progress=bar.update)
    click.echo(
        f"{slug}: {result.comments} comments in {result.clusters} clusters; "
        f"{result.clustered} in clusters of two or more"
    )
