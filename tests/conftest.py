"""Fixtures: an app on a real database (SQLite file, or PostgreSQL via WESTLAKE_TEST_DATABASE_URL),
migrated once per session with Alembic and emptied after every test."""
from __future__ import annotations

import os
from pathlib import Path

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
