"""Seconds, SQL statements and peak memory of a report build, stage by stage, at 100,000 comments.

    .venv/bin/python bench/report_build.py [--sizes 10000,100000] [--keep DIR] [--profile OUT.prof]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x .venv/bin/python bench/report_build.py

Fills a database as `make bench` does (bench/fill.py: approved comments on clause 12, every other
one answered by `publish_feedback`; with BENCH_DATABASE_URL that database's public schema is
DROPPED first). --keep DIR keeps the SQLite file there and reuses it on the next run (the fill of
100,000 comments takes a minute). At each size it times `timings.report` (what `flask reports
build` does: load, tally, HTML, DOCX, XLSX, stored) and then each stage on its own, with the SQL
statements it ran and this process's peak resident memory during the build (VmHWM reset first).
With --profile the writers' stages are run once more under cProfile into OUT-SIZE.prof.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select  # noqa: E402

from bench import fill, timings  # noqa: E402
from bench.exports_memory import reset_peak, status_mib  # noqa: E402


class Statements:
    """Counts the SQL statements the engine runs while it is active."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _count(self, *args) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def stages(app, profile: str | None) -> list[tuple[str, float, str]]:
    """load / tally / html / docx / xlsx, each timed once (and the writers profiled if asked)."""
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.reports.data import compute
    from westlake_feedback.reports.docx_writer import build_docx
    from westlake_feedback.reports.html import render_report_html
    from westlake_feedback.reports.loading import load_report_input
    from westlake_feedback.reports.xlsx_writer import build_xlsx

    out = []
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == fill.SLUG))
        with Statements(db.engine) as statements:
            started = time.perf_counter()
            report_input = load_report_input(consultation, 1)
            out.append(("load", time.perf_counter() - started, f"{statements.count} statements"))
        started = time.perf_counter()
        stats = compute(report_input)
        out.append(("tally + keywords", time.perf_counter() - started, f"{len(stats.adoption_rows):,} answers"))
        writers = (("html", lambda: render_report_html(stats, report_input).encode()),
                   ("docx", lambda: build_docx(stats, report_input)),
                   ("xlsx", lambda: build_xlsx(stats, report_input)))
        for name, write in writers:
            started = time.perf_counter()
            data = write()
            out.append((name, time.perf_counter() - started, f"{len(data) / 1e6:.1f} MB"))
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _, write in writers:
                write()
            profiler.disable()
            profiler.dump_stats(profile)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keep", help="a folder to keep (and reuse) the SQLite database in")
    parser.add_argument("--profile", help="write a cProfile of the writers to PROFILE-SIZE.prof")
    args = parser.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wf-report-"))
    workdir.mkdir(parents=True, exist_ok=True)
    given = os.environ.get("BENCH_DATABASE_URL")
    sqlite_file = workdir / "bench.sqlite3"
    fresh = bool(given) or not sqlite_file.exists()
    url = fill.database_url(given, workdir) if fresh or given else f"sqlite:///{sqlite_file}"
    app = fill.make_app(url, workdir)
    if fresh:
        fill.prepare(app)
    print(f"database {url.split(':')[0]}, {os.cpu_count()} CPUs, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print("| comments | work | seconds | notes |\n| --- | --- | --- | --- |")
    for size in [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]:
        fill.fill_to(app, size)
        fill.publish_feedback(app)
        with app.app_context():
            from westlake_feedback.extensions import db
            engine = db.engine
        reset_peak()
        before = status_mib("VmRSS")
        cpu = time.process_time()
        with Statements(engine) as statements:
            job = timings.report(app)
        print(f"| {size:,} | {job.work} | {job.seconds:.2f} | {job.rows:,} comments, {job.note}, "
              f"{statements.count} statements, CPU {time.process_time() - cpu:.2f} s, "
              f"peak RSS {status_mib():.0f} MiB (from {before:.0f}) |", flush=True)
        profile = f"{args.profile.removesuffix('.prof')}-{size}.prof" if args.profile else None
        for name, seconds, note in stages(app, profile):
            print(f"| {size:,} | {name} | {seconds:.2f} | {note} |", flush=True)
        print(f"load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)


if __name__ == "__main__":
    main()
