"""Starts real gunicorn servers fast, for tests that kill and restart one many times.

Run as a script with the server's environment (WESTLAKE_*). It imports gunicorn and the app once
(seconds on a busy 2-core machine), then for each line `start <port>` on stdin forks a child that
becomes its own process group (so that one killpg() kills master and workers together) and runs
gunicorn exactly as the Procfile does: `gunicorn --config gunicorn.conf.py app:app`, with
`--bind 127.0.0.1:<port>`. The worker's `import app` finds the module already imported: a restart
takes a fraction of a second instead of a cold import. It answers each start with the child's pid.
Arguments: the log file, then paths to GET once in-process before forking (see warm()).
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def serve(port: int, log: str) -> None:
    os.setsid()  # own process group: the master and the workers it forks
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "app:app"]
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    finally:
        os._exit(0)


def warm(application, paths: list[str]) -> None:
    """GET each path once, so that forked workers start with compiled templates (as a worker that
    has served a while has), then close every database connection: none may cross the fork."""
    if not paths:
        return
    from westlake_feedback.extensions import db

    client = application.test_client()
    for path in paths:
        client.get(path).close()
    with application.app_context():
        db.engine.dispose()


def main() -> None:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import gunicorn.app.wsgiapp  # noqa: F401
    import app  # noqa: F401  (create_app() once; no database connection is opened here)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed servers are reaped by the kernel
    log = sys.argv[1] if len(sys.argv) > 1 else os.devnull
    warm(app.app, sys.argv[2:])
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command != "start":
            continue
        pid = os.fork()
        if pid == 0:
            serve(int(argument), log)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
