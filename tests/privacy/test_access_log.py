"""The web process as the Procfile starts it logs requests without the client's address."""
from __future__ import annotations

import http.client
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ADDRESS = "127.0.0.3"  # a loopback address of its own, so it cannot be mistaken for the bind address
FORWARDED = "203.0.113.77"


def procfile_web_command(port: int) -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    args = shlex.split(line.removeprefix("web:"))
    args[0] = str(Path(sys.executable).parent / Path(args[0]).name)  # this test's virtualenv
    cleaned, skip = [], False
    for arg in args:  # the port is ours, and one worker is enough
        if skip:
            skip = False
            continue
        if arg in ("--bind", "-b", "--workers", "-w"):
            skip = True
            continue
        if arg.startswith(("--bind=", "--workers=")):
            continue
        cleaned.append(arg)
    return cleaned[:-1] + ["--bind", f"127.0.0.1:{port}", "--workers", "1", cleaned[-1]]


def test_the_access_log_has_no_client_address(tmp_path):
    port = free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    env = {**os.environ, "WESTLAKE_INSTANCE_PATH": str(tmp_path / "instance"),
           "WESTLAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        server = subprocess.Popen(procfile_web_command(port), cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, err.read_text()
                try:
                    # The port listens before the worker has imported the app: on a busy machine
                    # that takes a while, so the answer may be slow to come.
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120,
                                                            source_address=(CLIENT_ADDRESS, 0))
                    connection.request("GET", "/static/favicon.svg?code=XH-SECR-ET22",
                                       headers={"X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED})
                    response = connection.getresponse()
                    response.read()
                    break
                except ConnectionRefusedError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            assert response.status == 200
            deadline = time.monotonic() + 30
            while "/static/favicon.svg" not in out.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    logged = out.read_text() + err.read_text()
    access = [line for line in out.read_text().splitlines() if "/static/favicon.svg" in line]
    assert len(access) == 1, logged  # the request is logged ...
    assert '"GET /static/favicon.svg HTTP/1.1" 200' in access[0]
    assert CLIENT_ADDRESS not in logged and FORWARDED not in logged  # ... without who made it
    assert "XH-SECR-ET22" not in logged  # nor its query string
