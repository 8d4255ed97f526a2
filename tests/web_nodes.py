"""Real web processes for the slow multi-process tests: gunicorn servers (one worker each, a
port each) on the test database, and a browser whose cookies go to all of them, as a real
browser's would for one host on other ports."""
from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)


def fetch(opener, url: str, data: dict | None = None) -> tuple[int, str, dict]:
    """(status, body, headers) of a GET, or of a form POST when `data` is given."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=20) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def status_of(opener, url: str, data: dict | None = None) -> tuple[int, str]:
    status, body, _headers = fetch(opener, url, data)
    return status, body


def node_environment(database_url: str, instance_path: Path, **env) -> dict[str, str]:
    return {
        **os.environ,
        "WESTLAKE_DATABASE_URL": database_url,
        "WESTLAKE_INSTANCE_PATH": str(instance_path),
        "WESTLAKE_SECRET_KEY": "test-secret",
        "FLASK_APP": "app",
        **env,
    }


def start_servers(database_url: str, instance_path: Path, count: int = 2,
                  **env) -> list[tuple[subprocess.Popen, str]]:
    environment = node_environment(database_url, instance_path, **env)
    servers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 60
    for process, base in servers:
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                if status_of(browser(), f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    return servers


def stop_servers(servers: list[tuple[subprocess.Popen, str]]) -> None:
    for process, _base in servers:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
    for process, _base in servers:
        process.wait(timeout=20)


def flask_command(database_url: str, instance_path: Path, *args: str, **env) -> subprocess.Popen:
    """`flask <args>` in a process of its own (a worker node), on the same database."""
    return subprocess.Popen([str(FLASK), *args], cwd=ROOT, env=node_environment(database_url, instance_path, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
