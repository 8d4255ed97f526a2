"""A receipt shown means the comment is stored: the real server (gunicorn from gunicorn.conf.py,
two workers) is killed with SIGKILL, master and workers at once, at random moments while several
clients post comments as browsers do, restarted, and killed again: 100 rounds. Afterwards every
receipt a client got is in the database with the text that was posted, and nothing is
half-written (no comment without its receipt mail, no comment whose text differs from a post).

On the test database: the session's temp SQLite file, or PostgreSQL with WESTLAKE_TEST_DATABASE_URL.
Two to three minutes on the shared 2-core machine (restarts fork a process that imported the app
once: see gunicorn_forker.py; the first round starts gunicorn cold, as the Procfile does)."""
from __future__ import annotations

import http.client
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, text

from helpers import form_tokens, free_port, seed
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FORKER = Path(__file__).with_name("gunicorn_forker.py")
ROUNDS = int(os.environ.get("WESTLAKE_SIGKILL_ROUNDS", "100"))
CLIENTS = 4
PAGE = "/c/xihu-2023-demo/clauses/3"


@dataclass
class Ledger:
    """What the clients sent and what they were told."""

    sent: dict[str, str] = field(default_factory=dict)  # submission token -> body
    receipts: dict[str, str] = field(default_factory=dict)  # submission token -> receipt code
    failures: list[str] = field(default_factory=list)  # anything a client was told that it must not be
    answers: int = 0  # HTTP responses of any kind: the server is serving
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client(threading.Thread):
    """A browser: GET the form, POST it with its tokens; when the server vanished mid-POST, it sends
    the same form again (same one-time token) once the server answers again, as a person would."""

    def __init__(self, number: int, port: int, ledger: Ledger, stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.port, self.ledger, self.stop = number, port, ledger, stop
        self.cookies: dict[str, str] = {}
        self.unanswered: dict | None = None
        self.connection = None

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, str]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            page = response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        with self.ledger.lock:
            self.ledger.answers += 1
        return response.status, dict(response.getheaders()), page

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                data = self.unanswered
                if data is None:
                    status, _, page = self.request("GET", PAGE)
                    if status != 200:
                        continue
                    n += 1
                    data = {**form_tokens(page), "stance": "amend", "identity_type": "individual",
                            "consent": "y", "email": f"kill{self.number}@example.com", "website": "",
                            "body": f"客户{self.number}第{n}条意见:建议明确申报条件。{secrets.token_hex(8)}"}
                    with self.ledger.lock:
                        self.ledger.sent[data["token"]] = data["body"]
                self.unanswered = data
                status, headers, _ = self.request("POST", f"{PAGE}/comment", urlencode(data))
                if status == 303:
                    code = headers["Location"].rsplit("/", 1)[-1]
                    with self.ledger.lock:
                        previous = self.ledger.receipts.setdefault(data["token"], code)
                    if previous != code:
                        self.ledger.failures.append(f"one form sent twice got receipts {previous} and {code}")
                    self.unanswered = None
                elif status != 503:  # 503: shed under load; the same form is sent again
                    self.ledger.failures.append(f"POST answered {status}")
                    self.unanswered = None
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)  # the server is down: try again shortly


def wait_until_up(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.02)
        finally:
            connection.close()
    raise AssertionError(f"no server on port {port} after {timeout} s")


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the master and every worker, at the same instant
    except ProcessLookupError:
        pass


def test_every_receipt_survives_sigkill_of_the_server(app_factory, database_url, tmp_path):
    app = app_factory()
    seed(app)
    env = {**os.environ, "WESTLAKE_DATABASE_URL": database_url, "WESTLAKE_INSTANCE_PATH": str(tmp_path),
           "WESTLAKE_SECRET_KEY": "sigkill-test-secret", "WESTLAKE_OUTBOX_DIR": str(tmp_path / "outbox"),
           "WESTLAKE_RATELIMIT_ENABLED": "true", "WESTLAKE_COMMENT_RATE_LIMIT": "1000000 per 10 minutes",
           "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1"}
    log = Path(os.environ.get("WESTLAKE_SIGKILL_LOG") or tmp_path / "gunicorn.log")
    port = free_port()
    ledger, stop = Ledger(), threading.Event()
    rng = random.Random(os.environ.get("WESTLAKE_SIGKILL_SEED") or secrets.randbits(32))
    forker = subprocess.Popen([sys.executable, str(FORKER), str(log), PAGE], cwd=ROOT, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    clients = [Client(i, port, ledger, stop) for i in range(CLIENTS)]
    receipts_per_round = []
    try:
        assert forker.stdout.readline().strip() == "ready"
        for number in range(ROUNDS):
            if number == 0:  # cold, exactly the Procfile's command
                server = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
                                           f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env,
                                          start_new_session=True, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
                pid = server.pid
            else:
                forker.stdin.write(f"start {port}\n")
                forker.stdin.flush()
                pid = int(forker.stdout.readline())
            try:
                wait_until_up(port)
                if number == 0:
                    for client in clients:
                        client.start()
                before, answered = len(ledger.receipts), ledger.answers
                deadline = time.monotonic() + 30
                while ledger.answers == answered and time.monotonic() < deadline:
                    time.sleep(0.01)  # the workers serve (on a loaded machine the first page takes a while)
                time.sleep(rng.uniform(0.0, 1.0))  # clients post meanwhile; then, at any moment:
            finally:
                kill_group(pid)
                if number == 0:
                    server.wait(timeout=30)
            receipts_per_round.append(len(ledger.receipts) - before)
            time.sleep(0.05)  # the kernel frees the port once the group is gone
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=15)
        forker.stdin.close()
        forker.wait(timeout=30)

    assert not ledger.failures, ledger.failures[:10]
    with app.app_context():
        if database_url.startswith("sqlite"):
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        stored = {c.submission_token: c for c in db.session.scalars(select(Comment))}
        mail = {m.dedupe_key for m in db.session.scalars(select(OutboxMessage))}
        for token, code in ledger.receipts.items():
            comment = stored.get(token)
            assert comment is not None, f"receipt {code} was shown but its comment is not stored"
            assert comment.receipt_code == code
        for token, comment in stored.items():
            assert ledger.sent.get(token) == comment.body, "a stored comment differs from what was posted"
            assert comment.email and f"receipt:{comment.id}" in mail, "a comment without its receipt mail"
        assert len(mail) == len(stored)  # nor a receipt mail without its comment
    # The kills fell among live posting, not only between posts or during start-up.
    assert sum(map(bool, receipts_per_round)) >= ROUNDS // 5, receipts_per_round
    print(f"{ROUNDS} rounds, {len(ledger.sent)} forms sent, {len(ledger.receipts)} receipts, "
          f"{len(stored)} comments stored")
