from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..timeutil import now_utc, parse_local
from .parser import DraftParseError
from .services import SEED_PATH, ImportRefused, demo_window, import_draft, read_draft_file, slug_from_name

consultations_cli = AppGroup("consultations", help="Import and list consultations.")


def _moment(value: str | None):
    if value is None:
        return None
    if value == "now":
        return now_utc().replace(microsecond=0)
    try:
        return parse_local(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO date or datetime: {value}") from error


@consultations_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="URL name; default: from the file name.")
@click.option("--opens", help="Window start, ISO (Asia/Shanghai if no offset) or 'now'.")
@click.option("--closes", help="Window end (exclusive), ISO (Asia/Shanghai if no offset).")
@click.option("--days", type=int, help="Window length in days from --opens, instead of --closes.")
@click.option("--demo/--no-demo", default=None, help="Label the consultation as a demonstration.")
@click.option("--new-round", is_flag=True,
              help="Add the file as a revised draft: the next round of consultation --slug (unpublished).")
def import_command(path: Path, slug, opens, closes, days, demo, new_round):
    """Import a notice-plus-draft text file; re-importing updates in place."""
    try:
        parsed = read_draft_file(path)
    except DraftParseError as error:
        raise click.ClickException(f"{path}: {error}") from error
    opens_at, closes_at = _moment(opens), _moment(closes)
    if days is not None:
        opens_at, closes_at = demo_window(opens_at, days)
    if new_round:
        _import_round(parsed, slug, opens_at, closes_at, path.name)
        return
    try:
        result = import_draft(
            parsed,
            slug=slug or slug_from_name(path.stem),
            opens_at=opens_at,
            closes_at=closes_at,
            is_demo=demo,
            source_name=path.name,
        )
    except ImportRefused as error:
        raise click.ClickException(str(error)) from error
    verb = "created" if result.created else "updated"
    click.echo(
        f"{verb} {result.consultation.slug}: {result.sections} sections, {result.clauses} clauses, "
        f"window {result.consultation.opens_at.isoformat()} to {result.consultation.closes_at.isoformat()}"
    )


def _import_round(parsed, slug, opens_at, closes_at, source_name):
    from ..extensions import db
    from ..rounds.services import import_round
    from .services import consultation_by_slug

    if not slug:
        raise click.ClickException("--new-round needs --slug of an existing consultation")
    consultation = db.session.scalar(consultation_by_slug(slug))
    if consultation is None:
        raise click.ClickException(f"no consultation {slug}")
    try:
        result = import_round(parsed, consultation, opens_at=opens_at, closes_at=closes_at, source_name=source_name)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{count} {kind.value}" for kind, count in sorted(result.alignment.counts().items()))
    verb = "replaced draft" if result.replaced else "added"
    click.echo(f"{verb} round {result.round.number} of {slug} (unpublished): {result.sections} sections, "
               f"{result.clauses} clauses; proposed alignment: {counts}")
    for match in result.alignment.changed():
        click.echo(f"  {match}")


@consultations_cli.command("seed")
@click.option("--demo-days", type=int, default=8, show_default=True)
def seed_command(demo_days: int):
    """Import the shipped Xihu draft (real dates) and a demo copy open from now."""
    parsed = read_draft_file(SEED_PATH)
    real = import_draft(parsed, slug="xihu-2023", is_demo=False, source_name=SEED_PATH.name)
    opens_at, closes_at = demo_window(days=demo_days)
    demo = import_draft(
        parsed, slug="xihu-2023-demo", opens_at=opens_at, closes_at=closes_at, is_demo=True,
        source_name=SEED_PATH.name,
    )
    for result in (real, demo):
        click.echo(f"{result.consultation.slug}: {result.sections} sections, {result.clauses} clauses")
