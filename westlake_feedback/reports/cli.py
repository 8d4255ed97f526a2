from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..consultations.models import Consultation
from ..extensions import db
from .build import STAGES
from .services import build, build_queued_reports, request_report

reports_cli = AppGroup("reports", help="Build consultation reports.")


@reports_cli.command("build")
@click.argument("slug")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Also write the files here.")
def build_command(slug: str, out: Path | None):
    """Build a new report version now, with a progress bar."""
    consultation = db.session.scalar(db.select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise click.ClickException(f"no consultation {slug}")
    report = request_report(consultation, "cli")
    db.session.commit()
    with click.progressbar(length=100, label="生成报告") as bar:
        def progress(done: int, total: int, stage: str) -> None:
            bar.label = str(STAGES.get(stage, stage))
            bar.update(int(100 * done / max(total, 1)) - bar.pos)

        build(report, progress=progress)
    click.echo(f"{slug}: version {report.version}, {report.comment_count} comments")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        for fmt in ("html", "docx", "xlsx"):
            path = out / f"{slug}-report-v{report.version}.{fmt}"
            path.write_bytes(getattr(report, fmt))
            click.echo(f"wrote {path}")


@reports_cli.command("run-queued")
def run_queued_command():
    """Build every queued report (what the worker does every round)."""
    click.echo(f"built {build_queued_reports(limit=100)} report(s)")
