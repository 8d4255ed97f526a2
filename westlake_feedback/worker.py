"""The long-running background process (`flask worker`).

Jobs register themselves in JOBS; each must be idempotent, so a restart or a second worker
never repeats or skips work. Every round runs, in order: the digests due at their times, the
close-of-window work, and the outbox drain that sends what those (and web requests) enqueued.
Cron users run the same jobs with `flask digests send` and `flask outbox drain`.
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


def job(name: str):
    def register(func):
        JOBS.append((name, func))
        return func

    return register


def run_jobs_once() -> dict[str, object]:
    from .extensions import db

    results = {}
    for name, func in JOBS:
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
