"""Fixtures: an app on a real database (SQLite file, or PostgreSQL via WESTLAKE_TEST_DATABASE_URL),
migrated once per session with Alembic and emptied after every test; a real SMTP server.

Speed (see README, "Running the tests fast"): `app` is one app shared by the whole session (its
template and SQL caches stay warm); a test that changes its config gets a fresh one afterwards.
`app_factory(**overrides)` always makes a new app. The seed and the staff accounts are built for
real once, then their rows are written back in bulk (tests/dbstate.py)."""
from __future__ import annotations

import copy
import email
import email.policy
import os
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("WESTLAKE_TEST_CHEAP_PASSWORD_HASHING", "1")  # before the app is imported

import pytest
from sqlalchemy import create_engine, text

import helpers
from dbstate import RowCache, empty_all
from westlake_feedback import create_app
from westlake_feedback.extensions import db as _db
from westlake_feedback.extensions import limiter
from westlake_feedback.privacy.iphash import forget_known_keys
from helpers import STAFF_EMAILS, create_staff, form_tokens, free_port, login, seed, valid_comment

TEST_DATABASE_URL = os.environ.get("WESTLAKE_TEST_DATABASE_URL")
SHM = Path("/dev/shm")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        yield TEST_DATABASE_URL
        return
    # The SQLite file lives in memory (tmpfs) where there is one: the app commits with
    # synchronous=FULL, and a disk shared with other jobs makes every fsync slow.
    if SHM.is_dir() and os.access(SHM, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="westlake-test-", dir=SHM))
    else:
        folder = tmp_path_factory.mktemp("db")
    yield f"sqlite:///{folder / 'test.sqlite3'}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


def make_app(database_url: str, instance_path: Path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        # The test client never closes its responses, so load shedding (overload.py) would run
        # out of slots; its tests turn it on with MAX_IN_FLIGHT.
        "MAX_IN_FLIGHT": 0,
    }
    if database_url.startswith("postgresql"):
        # Commits need not wait for PostgreSQL's WAL flush: only a crash of the server would tell.
        from westlake_feedback.config import Config

        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **Config.SQLALCHEMY_ENGINE_OPTIONS, "connect_args": {"options": "-c synchronous_commit=off"}
        }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated(database_url, instance_path):
    from flask_migrate import upgrade

    app = make_app(database_url, instance_path)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return True


def forget_cached_pages(app) -> None:
    """What the app keeps in memory of the database. Rows written with Core INSERTs or deleted
    wholesale (replay, empty) bypass the session hooks that bump the content version: pages the
    shared app cached before are dropped, and so are the month IP-hash keys it read."""
    app.extensions["pagecache"].local.clear()
    with app.app_context():
        forget_known_keys()  # the month IP-hash keys this process read


class SessionDatabase:
    """The session's database and the app shared by tests that need no special config."""

    def __init__(self, database_url: str, instance_path: Path):
        self.database_url = database_url
        self.instance_path = instance_path
        self.rows = RowCache(database_url)
        self._app = None
        self._config = None
        self._limiter_state = None
        self.shared_apps_made = 0

    def shared_app(self):
        if self._app is None:
            self._app = make_app(self.database_url, self.instance_path)
            self._config = self._config_copy()
            self._limiter_state = dict(limiter.__dict__)
            self.shared_apps_made += 1
        else:
            # Flask-Limiter keeps its state on the one global Limiter, and every init_app (another
            # app made by app_factory) overwrites it: give it back to the shared app.
            limiter.__dict__.update(self._limiter_state)
        if limiter.enabled and limiter._storage is not None:
            limiter.reset()
        return self._app

    def _config_copy(self) -> dict:
        try:
            return copy.deepcopy(dict(self._app.config))
        except Exception:  # pragma: no cover - an uncopyable value: compare by identity
            return dict(self._app.config)

    def check_in(self) -> None:
        """After a test: a shared app whose config the test changed is not shared any further."""
        if self._app is not None and dict(self._app.config) != self._config:
            self.discard(self._app)
            self._app = None

    @staticmethod
    def discard(app) -> None:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()

    def record(self):
        """Every row of the database now, to be put back by replay() (on an empty database)."""
        from dbstate import Recording, capture
        from westlake_feedback.timeutil import now_utc

        app = self.shared_app()
        with app.app_context():
            _db.session.remove()
            with _db.engine.connect() as connection:
                return Recording(capture(connection), now_utc().replace(microsecond=0))

    def replay(self, recording) -> None:
        app = self.shared_app()
        with app.app_context():
            _db.session.remove()
            with _db.engine.begin() as connection:
                recording.replay(connection)
        forget_cached_pages(app)

    def empty(self) -> None:
        """Delete every row (through the shared app's engine: its pool stays connected)."""
        app = self.shared_app()
        with app.app_context():
            _db.session.remove()
            with _db.engine.begin() as connection:
                empty_all(connection)
        forget_cached_pages(app)


@pytest.fixture(scope="session")
def session_db(_migrated, database_url, instance_path):
    database = SessionDatabase(database_url, instance_path)
    helpers.ROW_CACHE = database.rows
    _SESSION_DB.append(database)
    yield database
    helpers.ROW_CACHE = None
    if database._app is not None:
        database.discard(database._app)


@pytest.fixture
def app_factory(session_db):
    """`app_factory(**overrides)`: a new app with that config, on the test database."""
    made = []

    def factory(**overrides):
        app = make_app(session_db.database_url, session_db.instance_path, **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        session_db.discard(app)
    session_db.empty()


@pytest.fixture
def app(app_factory, session_db):
    """The shared app (the same object for the whole session unless a test changes its config)."""
    yield session_db.shared_app()
    session_db.check_in()


@pytest.fixture
def ctx(app):
    """An application context for tests that read or write the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    seed(app)
    return app


@pytest.fixture
def post_comment(client):
    """GET the page holding the form, then POST it with its tokens, as a browser does."""

    def post(page_url: str, action_url: str, follow_redirects: bool = False, **fields):
        page = client.get(page_url)
        assert page.status_code == 200, page.status_code
        data = {**form_tokens(page.get_data(as_text=True)), **valid_comment(**fields)}
        return client.post(action_url, data=data, follow_redirects=follow_redirects)

    return post


@pytest.fixture
def staff(app):
    """An admin, a moderator and an analyst: {role: email}."""
    return create_staff(app)


@pytest.fixture
def login_as(app, staff):
    """A test client signed in with the given role."""

    def signed_in(role: str):
        client = app.test_client()
        response = login(client, STAFF_EMAILS[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client

    return signed_in


# A real SMTP server (aiosmtpd) on 127.0.0.1 ----------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: tuple  # the client's (host, port): one per SMTP connection

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def outbox_id(self) -> int:
        return int(self.message["X-Westlake-Outbox-Id"])


class RecordingHandler:
    """Keeps every accepted message. Can drop the connection instead of answering a DATA, and
    refuse chosen recipients with a permanent 550."""

    def __init__(self):
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.drop_at: int | None = None
        self.refuse_containing: str | None = None
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_containing and self.refuse_containing in address:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self.lock:
            if self.drop_at is not None and len(self.received) >= self.drop_at:
                self.drop_at = None
                server.transport.close()  # hang up without answering: the client cannot know
                return "421 closing"
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, tuple(session.peer))
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller = None

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5}

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def messages(self) -> list[email.message.EmailMessage]:
        return [item.message for item in self.received]

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        """Down: connections are refused until start() (a fresh server on the same port)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def drop_connection_after(self, accepted: int) -> None:
        """Accept `accepted` more messages, then hang up in the middle of the next one (once)."""
        with self.handler.lock:
            self.handler.drop_at = len(self.handler.received) + accepted


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def blackhole_port():
    """A port that accepts TCP connections and never says a word (a hung mail server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.fixture
def mail_app(app_factory, smtp_server, tmp_path):
    """An app whose mail goes to the real test SMTP server."""
    return app_factory(**smtp_server.config, OUTBOX_DIR=str(tmp_path / "outbox"))


_SESSION_DB: list = []


def pytest_terminal_summary(terminalreporter):
    """One line on how often the fast paths were taken (see README, "Running the tests fast")."""
    if _SESSION_DB:
        database = _SESSION_DB[0]
        stats = database.rows.stats
        terminalreporter.write_line(
            f"fixtures: rows replayed {stats['replayed']}x, built {stats['built']}x; "
            f"shared app made {database.shared_apps_made}x"
        )
