"""The long-running background process (`flask worker`).

Jobs register themselves in JOBS; each must be idempotent, so a restart or a second worker
never repeats or skips work. They run in two lanes, each in its own thread, so that a long job in
one never holds up the other:

- **mail** (the main thread, every WORKER_INTERVAL seconds): the digests due at their times, the
  outbox drain that sends what they (and web requests) enqueued, and once a day
  (PRIVACY_PURGE_INTERVAL) the privacy purge;
- **reports** (a second thread, every REPORT_POLL_SECONDS): the close-of-window work (it builds
  the close report, then enqueues the final digest and the close notice for the mail lane to
  send) and the report versions staff queued (see reports/jobs.py). A report of 100,000 comments
  takes tens of seconds; the outbox keeps draining meanwhile.

`flask worker --only mail` / `--only reports` runs one lane per process instead (e.g. reports on
another machine). `--once` runs every job of the chosen lanes once, in registration order, in this
thread. Cron users run the same jobs with `flask digests send`, `flask reports run-queued`,
`flask outbox drain` and `flask privacy purge`.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger("westlake_feedback.worker")

LANES = ("mail", "reports")
JOBS: list[tuple[str, Callable[[], object], str]] = []  # (name, function, lane)
# Jobs that run less often than every round: name -> config key of the seconds between runs.
EVERY: dict[str, str] = {}
_last_run: dict[str, float] = {}  # name -> time.monotonic() of the last run in this process


def job(name: str, every: str | None = None, lane: str = "mail"):
    def register(func):
        JOBS.append((name, func, lane))
        if every:
            EVERY[name] = every
        return func

    return register


def _due(name: str) -> bool:
    if name not in EVERY:
        return True
    last = _last_run.get(name)
    return last is None or time.monotonic() - last >= current_app.config[EVERY[name]]


def run_jobs_once(lanes: tuple[str, ...] = LANES) -> dict[str, object]:
    """Every due job of the given lanes, once, in this thread (within an app context)."""
    from .extensions import db

    results = {}
    for name, func, lane in JOBS:
        if lane not in lanes or not _due(name):
            continue
        _last_run[name] = time.monotonic()
        try:
            results[name] = func()
        except Exception:  # a failing job must not stop the others or the worker
            log.exception("job %s failed", name)
            db.session.rollback()
            results[name] = "error"
        finally:
            db.session.remove()  # a fresh session per job: no stale objects across rounds
    return results


@job("digests")
def scheduled_digests():
    from .digests.schedule import send_due_digests

    return len(send_due_digests())


@job("close-of-window", lane="reports")
def close_of_window():
    from .digests.schedule import send_due_close_notices

    return len(send_due_close_notices())


@job("reports", lane="reports")
def queued_reports():
    from .reports.services import build_queued_reports

    return build_queued_reports()


@job("outbox")
def drain_outbox():
    from .mail.sender import drain

    result = drain()
    if result.sent or result.retrying or result.failed:
        log.info("outbox: %s", result)
    return result


@job("privacy", every="PRIVACY_PURGE_INTERVAL")
def privacy_purge():
    """Once a day (and at start): contact details past their retention period, expired IP keys."""
    from .privacy.services import purge

    result = purge(actor_email="worker")
    if result.total:
        log.info("privacy purge: %s", "; ".join(map(str, result.consultations)) or "keys and old mail")
    return result


def _lane_loop(app, lanes: tuple[str, ...], interval: float, stopping: threading.Event) -> None:
    while not stopping.is_set():
        try:
            with app.app_context():
                run_jobs_once(lanes)
        except Exception:  # never let the lane's thread die: log and go on with the next round
            log.exception("worker round (%s) failed", "+".join(lanes))
        stopping.wait(interval)


def run_worker(app, stopping: threading.Event, *, lanes: tuple[str, ...] = LANES, interval: float | None = None,
               report_interval: float | None = None) -> None:
    """Run the lanes until `stopping` is set: the mail lane in this thread, the reports lane in
    a thread of its own. On return a build may still be running in that (daemon) thread: when
    the process exits it stops, its lease runs out and another round builds it again."""
    interval = interval or app.config["WORKER_INTERVAL"]
    report_interval = report_interval or app.config["REPORT_POLL_SECONDS"]
    threads = []
    if "reports" in lanes:
        reports = threading.Thread(target=_lane_loop, args=(app, ("reports",), report_interval, stopping),
                                   name="worker-reports", daemon=True)
        reports.start()
        threads.append(reports)
    if "mail" in lanes:
        _lane_loop(app, ("mail",), interval, stopping)
    else:
        stopping.wait()
    for thread in threads:
        thread.join(timeout=5)


@click.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between mail rounds (default 30).")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--only", type=click.Choice(LANES), default=None, help="Run one lane only (default: both, in two threads).")
@with_appcontext
def worker_command(interval: float | None, once: bool, only: str | None):
    """Run background jobs until stopped (SIGTERM or Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(threadName)s %(levelname)s %(message)s")
    lanes = (only,) if only else LANES
    if once:
        run_jobs_once(lanes)
        return
    app = current_app._get_current_object()
    stopping = threading.Event()

    def stop(*_args):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started: lanes %s, %d job(s), mail every %ss", "+".join(lanes),
             sum(1 for *_, lane in JOBS if lane in lanes), interval or app.config["WORKER_INTERVAL"])
    run_worker(app, stopping, lanes=lanes, interval=interval)
    log.info("worker stopped")
