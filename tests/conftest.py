"""Fixtures: an app on a real database (SQLite file, or PostgreSQL via WESTLAKE_TEST_DATABASE_URL),
migrated once per session with Alembic and emptied after every test; a real SMTP server."""
from __future__ import annotations

import email
import email.policy
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("WESTLAKE_TEST_CHEAP_PASSWORD_HASHING", "1")  # before the app is imported

import pytest
from sqlalchemy import create_engine, text

from westlake_feedback import create_app
from westlake_feedback.extensions import db as _db
from helpers import STAFF_EMAILS, create_staff, form_tokens, login, seed, valid_comment

TEST_DATABASE_URL = os.environ.get("WESTLAKE_TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


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


def _empty_tables(app) -> None:
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app_factory(_migrated, database_url, instance_path):
    made = []

    def factory(**overrides):
        app = make_app(database_url, instance_path, **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        _empty_tables(app)
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
