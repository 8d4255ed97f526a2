"""gunicorn processes for the bench: the project's gunicorn.conf.py, another port on 127.0.0.1."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} did not answer within {timeout} s")


@contextmanager
def gunicorn(app_spec: str, log: Path, env: dict[str, str] | None = None):
    """Starts `gunicorn --config gunicorn.conf.py --bind 127.0.0.1:<free port> app_spec`; yields the
    base URL and stops the process (by its own id) afterwards."""
    port = free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", app_spec],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_env(url: str, instance: Path) -> dict[str, str]:
    """The real app as `make run` starts it, on the bench database, rate limits off."""
    return {"WESTLAKE_DATABASE_URL": url, "WESTLAKE_INSTANCE_PATH": str(instance),
            "WESTLAKE_SECRET_KEY": "bench-secret", "WESTLAKE_RATELIMIT_ENABLED": "false",
            "WESTLAKE_OUTBOX_DIR": str(instance / "outbox"), "FLASK_APP": "app"}
