"""The long-running background process (`flask worker`).

Jobs register themselves in JOBS; each must be idempotent, so a restart or a second worker
never repeats or skips work. Every round runs, in order: the digests due at their times, the
close-of-window work, and the outbox drain that sends what those (and web requests) enqueued;
once a day (PRIVACY_PURGE_INTERVAL) also the privacy purge. Cron users run the same jobs with
`flask digests send`, `flask outbox drain` and `flask privacy purge`.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger("westlake_feedback.worker")

JOBS: list[tuple[str, Callable[[], object]]] = []
# Jobs that run less often than every round: name -> config key of the seconds between runs.
EVERY: dict[str, str] = {}
_last_run: dict[str, float] = {}  # name -> time.monotonic() of the last run in this process


def job(name: str, every: str | None = None):
    def register(func):
        JOBS.append((name, func))
        if every:
            EVERY[name] = every
        return func

    return register


def _due(name: str) -> bool:
    if name not in EVERY:
        return True
    last = _last_run.get(name)
    return last is None or time.monotonic() - last >= current_app.config[EVERY[name]]


def run_jobs_once() -> dict[str, object]:
    from .extensions import db

    results = {}
    for name, func in JOBS:
        if not _due(name):
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


@job("close-of-window")
def close_of_window():
    from .digests.schedule import send_due_close_notices

    return len(send_due_close_notices())


@job("reports")
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


@click.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between rounds (default 30).")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@with_appcontext
def worker_command(interval: float | None, once: bool):
    """Run background jobs until stopped (SIGTERM or Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    interval = interval or current_app.config.get("WORKER_INTERVAL", 30)
    stopping = {"now": False}

    def stop(*_args):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started: %d job(s), every %ss", len(JOBS), interval)
    while not stopping["now"]:
        run_jobs_once()
        if once:
            break
        deadline = time.monotonic() + interval
        while not stopping["now"] and time.monotonic() < deadline:
            time.sleep(0.5)
    log.info("worker stopped")
