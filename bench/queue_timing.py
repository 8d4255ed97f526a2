"""The staff queue timed in-process: median of several test-client requests per URL, with the SQL
statement count, on a database filled by bench/fill.py and then varied (statuses, channels,
identities, decisions, a few offline comments with punctuation and Latin text) so that every filter
has something to find and something to skip.

    .venv/bin/python bench/queue_timing.py                      # temp SQLite file, 100,000 comments
    QUEUE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/queue_timing.py
    QUEUE_SIZE=1000 QUEUE_KEEP=1 ...                             # keep an existing filled database

With QUEUE_KEEP=1 and a database that already holds the comments, the fill is skipped (the schema
is upgraded to the current migrations), so the same rows can be timed before and after a change.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from bench import counts, fill  # noqa: E402
from westlake_feedback.comments.models import Comment  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402
from westlake_feedback.moderation.models import Decision  # noqa: E402
from westlake_feedback.timeutil import now_utc  # noqa: E402

Q = "/staff/c/" + fill.SLUG + "/comments"
URLS = {
    "no filter": Q,
    "status=pending": Q + "?status=pending",
    "bench filter (approved, clause 12, amend)": Q + "?status=approved&clause=12&stance=amend",
    "channel=letter (rare)": Q + "?channel=letter",
    "identity=company": Q + "?identity=company",
    "decision=undecided": Q + "?decision=undecided",
    "decision=adopted": Q + "?decision=adopted",
    "section=1": Q + "?section=1",
    "since..until one day": Q + "?since={today}&until={today}",
    "sort=clause": Q + "?sort=clause",
    "sort=oldest, page 40": Q + "?sort=oldest&page=40",
    "q=申报 (2 chars, common)": Q + "?q=" + quote("申报"),
    "q=申报条件 (4 chars)": Q + "?q=" + quote("申报条件"),
    "q=扶 (1 char)": Q + "?q=" + quote("扶"),
    "q=信函 (2 chars, rare)": Q + "?q=" + quote("信函"),
    "q=第99999条 (rare)": Q + "?q=" + quote("第99999条"),
    "q=无此词语 (no match)": Q + "?q=" + quote("无此词语"),
    "q=100% (wildcard)": Q + "?q=" + quote("100%"),
    "q=申报 + status=pending + stance=amend": Q + "?q=" + quote("申报") + "&status=pending&stance=amend",
    "q=资金 + channel=letter + sort=clause": Q + "?q=" + quote("资金") + "&channel=letter&sort=clause",
}


def vary(app) -> None:
    """Spread the filled comments over statuses, channels, identities and decisions."""
    with app.app_context():
        table = Comment.__table__
        db.session.execute(update(table).where(table.c.id % 10 == 1).values(status="pending"))
        db.session.execute(update(table).where(table.c.id % 10 == 2).values(status="rejected"))
        db.session.execute(update(table).where(table.c.id % 50 == 3).values(status="spam"))
        db.session.execute(update(table).where(table.c.id % 97 == 0).values(
            channel="letter", body=table.c.body + "(信函,邮戳 2026-11-30;100% 同意_见附件)"))
        db.session.execute(update(table).where(table.c.id % 13 == 0).values(identity_type="company",
                                                                             organisation="西湖科技有限公司"))
        ids = db.session.scalars(select(Comment.id).where(Comment.id % 7 == 0)).all()
        at = now_utc()
        for first in range(0, len(ids), 5000):
            db.session.execute(insert(Decision.__table__), [
                {"comment_id": i, "outcome": ("adopted", "partly_adopted", "not_adopted")[i % 3], "response": "",
                 "decided_at": at} for i in ids[first:first + 5000]])
        db.session.commit()


def timed(client, url: str, runs: int) -> tuple[float, float]:
    client.get(url)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    size = int(os.environ.get("QUEUE_SIZE") or 100_000)
    runs = int(os.environ.get("QUEUE_RUNS") or 9)
    workdir = Path(os.environ.get("QUEUE_WORKDIR") or tempfile.mkdtemp(prefix="wf-queue-"))
    workdir.mkdir(parents=True, exist_ok=True)
    given = os.environ.get("QUEUE_DATABASE_URL")
    keep = os.environ.get("QUEUE_KEEP") == "1"
    url = given if (keep and given) else fill.database_url(given, workdir)
    app = fill.make_app(url, workdir)
    with app.app_context():
        filled = keep and db.session.scalar(select(func.count(Comment.id))) >= size if _has_schema() else False
    if filled:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        if result.exit_code:
            raise RuntimeError(result.output)
    else:
        fill.prepare(app)
        fill.fill_to(app, size)
        vary(app)
    fill.analyze(app)  # after vary() too; and an existing database kept for a rerun
    client = counts.staff_client(app)
    today = now_utc().date().isoformat()
    print(f"{url.split('://')[0]}, {size:,} comments, median of {runs} in-process requests")
    print("| queue URL | p50 ms | p50 CPU ms of this process | SQL statements |\n| --- | --- | --- | --- |")
    for name, path in URLS.items():
        path = path.format(today=today)
        median, cpu = timed(client, path, runs)
        statements = counts.query_count(app, client, path)
        print(f"| {name} | {median:.1f} | {cpu:.1f} | {statements} |", flush=True)


def _has_schema() -> bool:
    try:
        db.session.execute(text("SELECT 1 FROM comments LIMIT 1"))
        return True
    except Exception:  # noqa: BLE001 (an empty database)
        db.session.rollback()
        return False


if __name__ == "__main__":
    main()
