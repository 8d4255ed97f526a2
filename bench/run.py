"""`make bench`: the app's pages against a bare Flask hello, under the same gunicorn settings, on a
throwaway database at several comment counts. Prints one Markdown table and writes it to
bench/results-<db>.md.

Settings (environment): BENCH_DATABASE_URL (PostgreSQL; its public schema is DROPPED first;
default a temp SQLite file), BENCH_SIZES (default 1000,100000), BENCH_QUICK=1 (1000,10000 and
shorter runs), BENCH_DURATION (wrk seconds per page), BENCH_POST_DURATION, BENCH_CLIENTS (16),
BENCH_SURGE_CLIENTS (the flash crowd; default 10x BENCH_CLIENTS), BENCH_PACED_CLIENTS (100) and
BENCH_PACED_RATE (100 comments/s offered by them, waiting out any Retry-After),
BENCH_POST_CLAUSE (the clause whose form the POST clients fill in; default 1).
"""
from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import counts, fill, load, servers, timings  # noqa: E402

HERE = Path(__file__).resolve().parent


def settings() -> dict:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    sizes = os.environ.get("BENCH_SIZES") or ("1000,10000" if quick else "1000,100000")
    return {
        "quick": quick,
        "sizes": [int(s.replace("_", "")) for s in sizes.split(",") if s.strip()],
        "duration": int(os.environ.get("BENCH_DURATION") or (3 if quick else 10)),
        "post_duration": int(os.environ.get("BENCH_POST_DURATION") or (5 if quick else 10)),
        "clients": int(os.environ.get("BENCH_CLIENTS") or 16),
        "surge_clients": int(os.environ.get("BENCH_SURGE_CLIENTS") or 10 * int(os.environ.get("BENCH_CLIENTS") or 16)),
        "paced_clients": int(os.environ.get("BENCH_PACED_CLIENTS") or 100),
        "paced_rate": float(os.environ.get("BENCH_PACED_RATE") or 100),
        "post_clause": int(os.environ.get("BENCH_POST_CLAUSE") or 1),
        "url": os.environ.get("BENCH_DATABASE_URL") or None,
    }


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def measure_size(app, url, workdir, size, config, log) -> list[str]:
    inserted = fill.fill_to(app, size)
    fill.publish_feedback(app)  # every other comment answered, the feedback published (its pages)
    say(f"{size:,} approved comments on clause {fill.CLAUSE} (+{inserted:,} inserted)")
    queries = counts.page_query_counts(app)
    pages = {**counts.public_pages(), **counts.staff_pages()}
    lines = []
    with servers.gunicorn("bench.hello:app", log) as hello_base:
        hello = load.wrk(hello_base + "/", config["duration"])
    say(f"hello: {hello.requests_per_s:,.0f} req/s")
    lines.append(row(f"{size:,}", "bare Flask hello", f"{hello.requests_per_s:,.0f} req/s", f"{hello.p50_ms:.1f}",
                     f"{hello.p99_ms:.1f}", "100%", "—", ""))
    with servers.gunicorn("app:app", log, servers.app_env(url, workdir)) as base:
        cookie = load.sign_in(base, fill.STAFF_EMAIL, fill.STAFF_PASSWORD)
        for name, path in pages.items():
            staff = path.startswith("/staff/")
            load.expect_ok(base, path, cookie if staff else None)
            result = load.wrk(base + path, config["duration"], cookie=cookie if staff else None)
            say(f"{name}: {result.requests_per_s:,.1f} req/s, p99 {result.p99_ms:.0f} ms, {queries[name]} queries")
            bad = result.non_2xx + result.socket_errors
            lines.append(row(f"{size:,}", f"{name} `{path}`", f"{result.requests_per_s:,.1f} req/s",
                             f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}",
                             f"{100 * result.requests_per_s / hello.requests_per_s:.1f}%", queries[name],
                             f"{bad} non-2xx/errors" if bad else ""))
        fill.withdraw_feedback(app)  # intake happens before the feedback is published
        posted = load.post_comments(base, fill.SLUG, config["post_clause"], config["clients"], config["post_duration"])
        paced = load.post_comments(base, fill.SLUG, config["post_clause"], config["paced_clients"],
                                   config["post_duration"], offered_per_s=config["paced_rate"])
        crowd = load.surge(base, fill.SLUG, config["post_clause"], config["surge_clients"], config["post_duration"])
    say(f"comment POST: {posted.comments_per_s:.1f}/s, {posted.errors} errors {posted.error_kinds or ''}")
    lines.append(row(f"{size:,}", f"comment GET form + POST, {config['clients']} clients (clause {config['post_clause']})",
                     f"{posted.comments_per_s:.1f} comments/s", f"{posted.p50_ms:.1f}", f"{posted.p99_ms:.1f}", "—",
                     "—", f"{posted.comments:,} comments, {posted.errors} errors"))
    say(f"paced: {paced.comments_per_s:.1f}/s of {config['paced_rate']:g} offered, p99 {paced.p99_ms:.0f} ms, "
        f"{paced.waited} waited, {paced.errors} errors {paced.error_kinds or ''}")
    lines.append(row(f"{size:,}", f"comment GET form + POST, {config['paced_clients']} clients starting "
                     f"{config['paced_rate']:g} comments/s in all, waiting out any Retry-After",
                     f"{paced.comments_per_s:.1f} comments/s", f"{paced.p50_ms:.1f}", f"{paced.p99_ms:.1f}", "—", "—",
                     f"{paced.comments:,} comments, {paced.waited} waited after a 503, {paced.errors} errors"))
    say(f"flash crowd, {crowd.clients} clients: {crowd.served_per_s:.1f} served/s, {100 * crowd.shed_share:.0f}% shed, "
        f"shed p99 {crowd.shed_p99_ms:.0f} ms (max {crowd.shed_max_ms:.0f}), {crowd.bad} bad {crowd.bad_kinds or ''}")
    lines.append(row(f"{size:,}", f"flash crowd: {crowd.clients} clients ({crowd.clients // config['clients']}x), "
                     f"GET form + POST, no pause", f"{crowd.served_per_s:.1f} served req/s", "—",
                     f"{crowd.served_p99_ms:.1f}", "—", "—",
                     f"{crowd.comments:,} comments; {100 * crowd.shed_share:.0f}% of responses shed (429/503 + "
                     f"Retry-After), shed p99 {crowd.shed_p99_ms:.0f} ms, max {crowd.shed_max_ms:.0f} ms; "
                     f"{crowd.bad} other"))
    jobs = [*timings.exports(app), timings.report(app), timings.digest(app)]
    for job in jobs:
        say(f"{job.work}: {job.seconds:.2f} s, {job.rows:,} rows")
        lines.append(row(f"{size:,}", job.work, f"{job.seconds:.2f} s", "—", "—", "—", "—",
                         f"{job.rows:,} rows" + (f", {job.note}" if job.note else "")))
    return lines


def main() -> None:
    config = settings()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench installs it: apt-get install -y wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="wf-bench-"))
    url = fill.database_url(config["url"], workdir)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    log = workdir / "gunicorn.log"
    say(f"database {kind}, workdir {workdir} (server logs in gunicorn.log), sizes {config['sizes']}")
    app = fill.make_app(url, workdir)
    fill.prepare(app)
    lines = []
    for size in config["sizes"]:
        lines += measure_size(app, url, workdir, size, config, log)
    gunicorn_conf = {}
    exec((servers.ROOT / "gunicorn.conf.py").read_text(), gunicorn_conf)
    header = [
        f"Benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {kind}, {os.cpu_count()} CPUs "
        f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()}); "
        f"gunicorn.conf.py with {gunicorn_conf.get('workers')} {gunicorn_conf.get('worker_class', 'sync')} workers "
        f"({gunicorn_conf.get('threads', 1)} threads) for the app and the hello; "
        f"wrk -t2 -c16 -d{config['duration']}s --latency; "
        f"command: `{'BENCH_QUICK=1 ' if config['quick'] else ''}make bench`"
        + (" with BENCH_DATABASE_URL" if config["url"] else ""),
        "",
        row("comments on clause", "work", "throughput / time", "p50 ms", "p99 ms", "share of hello", "SQL queries",
            "notes"),
        row(*["---"] * 8),
    ]
    table = "\n".join(header + lines) + "\n"
    out = HERE / f"results-{kind}.md"
    out.write_text(table, encoding="utf-8")
    print()
    print(table)
    say(f"written to {out}")
    shutil.rmtree(workdir, ignore_errors=True)  # kept (with gunicorn.log) when a step failed


if __name__ == "__main__":
    main()
