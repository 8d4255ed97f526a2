"""The rounds migration puts every existing consultation's text into round 1 and keeps every row:
a database built at the previous head with consultations, sections, clauses, comments, decisions,
clause responses and reports is upgraded, and every row it held is still there, unchanged."""
from __future__ import annotations

import datetime as dt
import os

import pytest

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from westlake_feedback import create_app
from westlake_feedback.extensions import db

BEFORE_ROUNDS = "20261203_clusters_bands"
KEPT = ("consultations", "sections", "clauses", "comments", "decisions", "clause_responses", "reports")


def _value(column: sa.Column, n: int):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, (sa.Integer, sa.Float, sa.Numeric)):
        return n
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2023, 3, 15, 1, n % 60, tzinfo=dt.timezone.utc)
    if isinstance(kind, sa.Date):
        return dt.date(2023, 3, 15)
    if isinstance(kind, sa.LargeBinary):
        return b""
    return f"v{n}"


def _insert(connection, table: sa.Table, n: int, **given) -> None:
    """A row with `given` values and made-up ones for every other required column."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.autoincrement is True:
            continue
        if column.primary_key and column.name == "id":
            continue
        row[column.name] = _value(column, n)
    connection.execute(table.insert().values(**row))


def _rows(connection, metadata: sa.MetaData, leave_out=("round_id", "current_round", "round_number")) -> dict:
    out = {}
    for name in KEPT:
        table = metadata.tables[name]
        columns = [c for c in table.columns if c.name not in leave_out]
        out[name] = [tuple(r) for r in connection.execute(sa.select(*columns).order_by(table.c.id))]
    return out


PG_URL = os.environ.get("WESTLAKE_TEST_DATABASE_URL", "")
SCHEMA = "rounds_migration"     # on PostgreSQL: a schema of its own, the session's tables untouched


def _app(tmp_path, kind: str):
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"}
    if kind == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        config["SQLALCHEMY_DATABASE_URI"] = PG_URL
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    return create_app(config)


@pytest.fixture(autouse=True)
def _drop_schema():
    """The schema goes afterwards: its search index (an expression on functions resolved by name)
    would break a later database-wide ANALYZE once the session's schema no longer has them."""
    yield
    if PG_URL.startswith("postgresql"):
        engine = sa.create_engine(PG_URL)
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL.startswith("postgresql"), reason="PostgreSQL only with WESTLAKE_TEST_DATABASE_URL"))])
def test_rounds_migration_keeps_every_row_and_makes_round_one(tmp_path, kind):
    app = _app(tmp_path, kind)
    with app.app_context():
        upgrade(revision=BEFORE_ROUNDS)
        engine = db.engine
        old = sa.MetaData()
        old.reflect(engine, schema=None)
        with engine.begin() as connection:
            t = old.tables
            for cid in (1, 2):
                _insert(connection, t["consultations"], cid, id=cid, slug=f"c{cid}", title=f"T{cid}",
                        opens_at=dt.datetime(2023, 3, 14, 16, tzinfo=dt.timezone.utc),
                        closes_at=dt.datetime(2023, 3, 22, 16, tzinfo=dt.timezone.utc))
                _insert(connection, t["sections"], cid, id=cid, consultation_id=cid, number=1, position=1)
                for k in (1, 2):
                    _insert(connection, t["clauses"], k, id=cid * 10 + k, consultation_id=cid, section_id=cid,
                            number=k, position=k)
            comments = [(1, 11), (2, 12), (3, None), (4, 21)]
            for n, clause in comments:
                _insert(connection, t["comments"], n, id=n, consultation_id=1 if n < 4 else 2, clause_id=clause,
                        receipt_code=f"XH-{n}{n}{n}{n}-0000", status="approved")
            _insert(connection, t["decisions"], 1, id=1, comment_id=1, outcome="adopted")
            _insert(connection, t["clause_responses"], 1, id=1, clause_id=11)
            _insert(connection, t["reports"], 1, id=1, consultation_id=1, version=1)
        with engine.connect() as connection:
            before = _rows(connection, old)
        assert all(before[name] for name in KEPT)
        engine.dispose()

        upgrade()
        new = sa.MetaData()
        new.reflect(db.engine)
        with db.engine.connect() as connection:
            assert _rows(connection, new) == before
            rounds = connection.execute(sa.text(
                "SELECT id, consultation_id, number, status, opens_at IS NOT NULL FROM consultation_rounds"
                " ORDER BY id")).all()
            assert [tuple(r)[1:] for r in rounds] == [(1, 1, "published", 1), (2, 1, "published", 1)]
            round_of = {r[1]: r[0] for r in rounds}
            for table in ("sections", "clauses"):
                pairs = connection.execute(sa.text(f"SELECT consultation_id, round_id FROM {table}")).all()
                assert pairs and all(round_id == round_of[cid] for cid, round_id in pairs)
            assert connection.execute(sa.text("SELECT DISTINCT round_number FROM comments")).scalars().all() == [1]
            assert connection.execute(sa.text("SELECT DISTINCT current_round FROM consultations")).scalars().all() == [1]
            if kind == "sqlite":
                assert connection.execute(sa.text("PRAGMA foreign_key_check")).all() == []
                triggers = connection.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'comments_search_%'")).all()
                assert len(triggers) == 3
        db.engine.dispose()

        downgrade(revision=BEFORE_ROUNDS)
        with db.engine.connect() as connection:
            assert _rows(connection, old) == before
        db.engine.dispose()
