"""The comment limit holds across web processes: two real gunicorn servers on one database (and
once on Redis), posted to alternately as a browser would, let through the limit in total.
Run with `make test-slow` (or pytest -m slow)."""
from __future__ import annotations

import http.cookiejar
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import free_port
from helpers import form_tokens, seed, valid_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
LIMIT = 3
CLAUSE = "/c/xihu-2023-demo/clauses/12"
REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.slow  # starts four gunicorn servers: about 10 s on the 2-core machine


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    """One browser: its cookies go to both servers (same host, other port), as a real one's would."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)


def status_of(opener, url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_servers(database_url: str, instance_path: Path, **env) -> list[tuple[subprocess.Popen, str]]:
    environment = {
        **os.environ,
        "WESTLAKE_DATABASE_URL": database_url,
        "WESTLAKE_INSTANCE_PATH": str(instance_path),
        "WESTLAKE_SECRET_KEY": "test-secret",
        "WESTLAKE_COMMENT_RATE_LIMIT": f"{LIMIT} per 10 minutes",
        **env,
    }
    servers = []
    for _ in range(2):
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


@pytest.fixture
def two_servers(app, database_url, instance_path):
    seed(app)
    started = []

    def start(**env):
        started.extend(start_servers(database_url, instance_path, **env))
        return [base for _process, base in started]

    yield start
    for process, _base in started:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
    for process, _base in started:
        process.wait(timeout=20)


def post_alternately(bases: list[str], times: int) -> list[int]:
    citizen = browser()
    codes = []
    for n in range(times):
        base = bases[n % len(bases)]
        status, page = status_of(citizen, base + CLAUSE)
        assert status == 200, status
        codes.append(status_of(citizen, f"{base}{CLAUSE}/comment", {**form_tokens(page), **valid_comment()})[0])
    return codes


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_the_limit_is_shared_by_two_processes_on_the_database(app, two_servers):
    bases = two_servers()
    codes = post_alternately(bases, 2 * LIMIT)
    assert codes == [303] * LIMIT + [429] * LIMIT
    assert stored(app) == LIMIT


def test_the_limit_is_shared_by_two_processes_on_redis(app, two_servers):
    redis = pytest.importorskip("redis").Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"westlake-test-{secrets.token_hex(6)}"
    try:
        bases = two_servers(WESTLAKE_REDIS_URL=REDIS_URL, WESTLAKE_RATELIMIT_KEY_PREFIX=prefix)
        codes = post_alternately(bases, 2 * LIMIT)
        assert codes == [303] * LIMIT + [429] * LIMIT
        assert stored(app) == LIMIT
        assert list(redis.scan_iter(f"*{prefix}*"))  # counted in Redis, not in the database
    finally:
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)
