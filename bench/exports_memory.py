"""Seconds and peak memory of the staff exports at 100,000 and 1,000,000 comments.

    .venv/bin/python bench/exports_memory.py [--sizes 100000,1000000] [--xlsx-max 100000]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x .venv/bin/python bench/exports_memory.py

Fills a throwaway database like `make bench` (`flask db upgrade`, the seed, a staff admin), then
adds the comments with one Core INSERT ... SELECT over a recursive series (seconds for a million,
where bench/fill.py's row-by-row dicts take minutes): spread over 29 days like a national
consultation, over the demo consultation's clauses (every seventh on the whole draft), a phone
number on every third, one in twenty pending; every tenth gets a decision (INSERT ... SELECT). With
BENCH_DATABASE_URL that PostgreSQL database's public schema is DROPPED first. At each size,
each format (XLSX only up to --xlsx-max rows) is downloaded by a signed-in admin through the
export URL (test client, body read chunk by chunk as a browser would) in a fresh child process,
which reports wall seconds, CPU seconds, and its peak resident memory while the export ran
(VmHWM reset after the sign-in: the whole process, interpreter and app included) and its
resident memory before. Prints a Markdown table; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMATS = ("csv", "json", "xlsx")


def status_mib(key: str = "VmHWM") -> float:
    """VmHWM: this process's peak resident memory (since start or the last reset); VmRSS: now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start VmHWM again from the current RSS (Linux: "5" to clear_refs), so that the peak is the
    export's and not the sign-in's (argon2 hashes with 64 MiB)."""
    Path("/proc/self/clear_refs").write_text("5")


def child(fmt: str, url: str, instance: str) -> None:
    """One export downloaded in this (fresh) process; prints its figures as JSON."""
    from bench import fill
    from bench.counts import staff_client

    app = fill.make_app(url, Path(instance))
    client = staff_client(app)
    before = status_mib("VmRSS")
    reset_peak()
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.get(f"/staff/c/{fill.SLUG}/export.{fmt}", buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"export.{fmt}: {response.status_code}")
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\r\n" if fmt == "csv" else b"\n")
    response.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu_started,
                      "bytes": size, "lines": lines, "peak_mib": status_mib(), "before_mib": before}))


def fill_comments(app, total: int) -> int:
    """Adds comments to the demo consultation until it holds `total`; returns how many were added."""
    from sqlalchemy import String, case, cast, func, insert, literal, select

    from bench.fill import SLUG
    from westlake_feedback.comments.counts import recount_all
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.timeutil import UTCDateTime, now_utc

    with app.app_context():
        consultation_id = db.session.scalar(select(Consultation.id).where(Consultation.slug == SLUG))
        have = db.session.scalar(select(func.count(Comment.id)).where(Comment.consultation_id == consultation_id))
        if have >= total:
            return 0
        first, last, clauses = db.session.execute(select(func.min(Clause.id), func.max(Clause.id), func.count(Clause.id))
                                                  .where(Clause.consultation_id == consultation_id)).one()
        assert last - first + 1 == clauses, "the demo clauses are expected to have consecutive ids"
        series = select(literal(have + 1).label("n")).cte("series", recursive=True)
        series = series.union_all(select(series.c.n + 1).where(series.c.n < total))
        n = series.c.n
        start = now_utc() - timedelta(days=30)
        if db.engine.dialect.name == "sqlite":
            created = func.datetime(start.strftime("%Y-%m-%d %H:%M:%S"), "+" + cast(n * 5 / 2, String) + " seconds")
        else:
            created = literal(start, UTCDateTime()) + func.make_interval(0, 0, 0, 0, 0, 0, n * 2.5)
        values = {
            "consultation_id": literal(consultation_id),
            "clause_id": case((n % 7 == 0, None), else_=first + n % clauses),
            "stance": case((n % 3 == 0, "support"), (n % 3 == 1, "oppose"), else_="amend"),
            "body": _concat("建议进一步明确申报条件和兑现时间，资金拨付流程过长，希望压缩到三十个工作日以内（第", cast(n, String),
                         "条意见）。"),
            "name": _concat("市民", cast(n, String)),
            "identity_type": literal("individual"),
            "organisation": case((n % 5 == 0, "西湖区某社区居委会"), else_=None),
            "phone": case((n % 3 == 0, "13812345678"), else_=None),
            "email": _concat("citizen", cast(n, String), "@example.com"),
            "consent_at": created, "publish_name": n % 2 == 0, "channel": literal("web"),
            "receipt_code": _concat("BX", cast(n, String)),
            "status": case((n % 20 == 0, "pending"), else_="approved"),
            "created_at": created, "moderated_at": created, "locale": literal("zh_CN"),
        }
        db.session.execute(insert(Comment.__table__).from_select(list(values), select(*values.values())))
        add_decisions(app)
        recount_all()
        db.session.commit()
        return total - have


def _concat(*parts):
    """a || b || ... (both dialects)."""
    from sqlalchemy import literal

    expression = parts[0] if not isinstance(parts[0], str) else literal(parts[0])
    for part in parts[1:]:
        expression = expression.concat(part)
    return expression


def add_decisions(app) -> None:
    """A decision on every tenth comment that has none yet (one INSERT ... SELECT)."""
    from sqlalchemy import insert, literal, select

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db
    from westlake_feedback.moderation.models import Decision
    from westlake_feedback.timeutil import UTCDateTime, now_utc

    now = literal(now_utc(), UTCDateTime())
    undecided = select(Comment.id, literal("partly_adopted"), literal("已部分采纳，将修改第十二条的表述。"), now, now).where(
        Comment.id % 10 == 0, ~select(Decision.id).where(Decision.comment_id == Comment.id).exists())
    db.session.execute(insert(Decision).from_select(
        ["comment_id", "outcome", "response", "decided_at", "created_at"], undecided))


def run_child(fmt: str, url: str, instance: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", fmt, url, str(instance)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--xlsx-max", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "URL", "INSTANCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from bench import fill

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="wf-bench-exports-"))
    url = fill.database_url(os.environ.get("BENCH_DATABASE_URL") or None, workdir)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    app = fill.make_app(url, workdir)
    fill.prepare(app)
    lines = [f"Exports, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {kind}, {os.cpu_count()} CPUs, "
             f"load average {os.getloadavg()[0]:.1f} at start",
             "", "| comments | format | seconds | CPU seconds | peak RSS MiB (before) | output MB | rows |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for size in sizes:
        started = time.perf_counter()
        inserted = fill_comments(app, size)
        print(f"filled to {size:,} comments (+{inserted:,}) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        for fmt in FORMATS:
            if fmt == "xlsx" and size > args.xlsx_max:
                continue
            result = run_child(fmt, url, workdir)
            rows = result["lines"] - 1 if fmt == "csv" else (result["lines"] - 2 if fmt == "json" else "—")
            line = (f"| {size:,} | {fmt.upper()} | {result['seconds']:.1f} | {result['cpu']:.1f} | "
                    f"{result['peak_mib']:.0f} ({result['before_mib']:.0f}) | {result['bytes'] / 1e6:.0f} | {rows if rows == '—' else f'{rows:,}'} |")
            print(line, flush=True)
            lines.append(line)
    print()
    print("\n".join(lines))
    shutil.rmtree(workdir, ignore_errors=True)  # the SQLite file of a million comments is 0.5 GB


if __name__ == "__main__":
    main()
