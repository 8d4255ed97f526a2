"""Staff-side jobs timed in-process: exports through their URLs, a report build, a digest."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import select, update

from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db

from .counts import staff_client
from .fill import SLUG


@dataclass
class Timing:
    work: str
    seconds: float
    rows: int
    note: str = ""


def exports(app, slug: str = SLUG) -> list[Timing]:
    """CSV, XLSX and JSON of every comment, downloaded by a signed-in admin (streamed bodies read
    to the end)."""
    client = staff_client(app)
    results, csv_rows = [], -1
    for fmt in ("csv", "xlsx", "json"):
        started = time.perf_counter()
        response = client.get(f"/staff/c/{slug}/export.{fmt}")
        body = response.get_data()
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"export.{fmt}: {response.status_code}")
        if fmt == "csv":
            rows = csv_rows = body.count(b"\r\n") - 1  # one line per comment after the header
        elif fmt == "json":
            data = json.loads(body)
            rows = len(data if isinstance(data, list) else data.get("comments", []))
        else:
            rows = csv_rows  # the same comments as the CSV (unfiltered)
        results.append(Timing(f"export {fmt.upper()}", seconds, rows, f"{len(body) / 1e6:.1f} MB"))
    return results


def report(app, slug: str = SLUG) -> Timing:
    """What `flask reports build SLUG` does: a new version, every format."""
    from westlake_feedback.reports.services import build, request_report

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        started = time.perf_counter()
        built = request_report(consultation, "cli")
        db.session.commit()
        build(built)
        seconds = time.perf_counter() - started
        size = sum(len(getattr(built, fmt) or b"") for fmt in ("html", "docx", "xlsx"))
        return Timing("report build (html+docx+xlsx)", seconds, built.comment_count, f"{size / 1e6:.1f} MB")


def digest(app, slug: str = SLUG) -> Timing:
    """An on-demand digest of every comment (each run first hands all comments back as unreported)."""
    from westlake_feedback.digests.models import DigestKind
    from westlake_feedback.digests.services import run_digest

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        db.session.execute(update(Comment).where(Comment.consultation_id == consultation.id).values(digest_id=None))
        db.session.commit()
        started = time.perf_counter()
        made = run_digest(consultation, DigestKind.ON_DEMAND)
        seconds = time.perf_counter() - started
        if made is None:
            return Timing("digest", seconds, 0, "no recipients: nothing built")
        return Timing("digest (all comments)", seconds, made.comment_count)
