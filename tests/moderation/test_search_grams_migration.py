"""Migration 20261208_search_grams_table on PostgreSQL (in a schema of its own): comments stored
before it are back-filled into comment_search_grams and found; the GIN expression index on
comments is gone; the downgrade restores it (and the search through it), the upgrade again too."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from westlake_feedback import create_app
from westlake_feedback.extensions import db

PG_URL = os.environ.get("WESTLAKE_TEST_DATABASE_URL", "")
SCHEMA = "search_grams_migration"
BEFORE = "20261206_feedback_index"
REVISION = "20261208_search_grams_table"
OLD_SEARCH = ("SELECT id FROM comments WHERE comment_search_grams(body, published_body, name, organisation)"
              " @> wf_query_grams(lower(:q)) ORDER BY id")
NEW_SEARCH = "SELECT comment_id FROM comment_search_grams WHERE grams @> wf_query_grams(lower(:q)) ORDER BY 1"


def _indexes(connection) -> set[str]:
    return set(connection.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND indexname IN ('ix_comments_search_grams', 'ix_comment_search_grams')")).scalars())


def _search(connection, statement: str, q: str) -> list[int]:
    return list(connection.execute(sa.text(statement), {"q": q}).scalars())


@pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="PostgreSQL only with WESTLAKE_TEST_DATABASE_URL")
def test_back_fill_downgrade_and_upgrade_again(tmp_path):
    engine = sa.create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
                      "SQLALCHEMY_DATABASE_URI": PG_URL,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}})
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO consultations (slug, title, notice_text, opens_at, closes_at, preamble, closing_text,"
                    " is_demo, show_approved_comments, created_at, updated_at, current_round) VALUES ('old', 'T', '',"
                    " '2023-03-14 16:00:00+00', '2023-03-22 16:00:00+00', '', '', false, true, now(), now(), 1)"))
                for n, (body, name) in enumerate((("早已提交的申报意见", "王"), ("另一条 Emoji 😀", None))):
                    connection.execute(sa.text(
                        "INSERT INTO comments (consultation_id, stance, body, name, identity_type, channel,"
                        " receipt_code, status, created_at, round_number) VALUES ((SELECT id FROM consultations),"
                        " 'amend', :body, :name, 'individual', 'web', :code, 'pending', now(), 1)"),
                        {"body": body, "name": name, "code": f"XH-{n}{n}{n}{n}-0000"})
                first, second = connection.execute(sa.text("SELECT id FROM comments ORDER BY id")).scalars()
            db.engine.dispose()

            upgrade(revision=REVISION)
            with db.engine.begin() as connection:
                assert _indexes(connection) == {"ix_comment_search_grams"}
                assert _search(connection, NEW_SEARCH, "申报") == [first]
                assert _search(connection, NEW_SEARCH, "王") == [first]
                assert _search(connection, NEW_SEARCH, "emoji 😀") == [second]
            db.engine.dispose()

            downgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                assert _indexes(connection) == {"ix_comments_search_grams"}
                assert _search(connection, OLD_SEARCH, "申报") == [first]
                assert connection.execute(sa.text("SELECT to_regclass('comment_search_grams')")).scalar() is None
            db.engine.dispose()

            upgrade()
            with db.engine.begin() as connection:
                assert _indexes(connection) == {"ix_comment_search_grams"}
                assert _search(connection, NEW_SEARCH, "申报意见") == [first]
            db.engine.dispose()
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()
