"""The comment POST runs a fixed number of SQL statements and one durable write transaction,
however many comments exist (query counts, not times: see bench/ for throughput)."""
from __future__ import annotations

import random
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from helpers import form_tokens, seed, valid_comment
from westlake_feedback.extensions import db

CLAUSE = "/c/xihu-2023-demo/clauses/12"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


@contextmanager
def recording(app):
    """Statements sent to the app's engine, and for each commit the write statements it closed."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    transactions: list[list[str]] = []
    pending: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        if WRITE.match(statement):
            pending.append(statement.split("(")[0].strip())

    def commit(conn):
        if pending:
            transactions.append(list(pending))
        pending.clear()

    def rollback(conn):
        pending.clear()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    try:
        yield statements, transactions
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)
        event.remove(engine, "rollback", rollback)


def distinct_text(n: int) -> str:
    """A text sharing no character pair with the others: each comment founds its own cluster, so
    every POST runs the same statements (joining a cluster updates its row instead)."""
    rng = random.Random(n)
    return "意见" + "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(24))


def post_one(app, client, n: int):
    page = client.get(CLAUSE)
    assert page.status_code == 200
    data = {**form_tokens(page.get_data(as_text=True)),
            **valid_comment(body=distinct_text(n), email=f"p{n}@example.com")}
    with recording(app) as (statements, transactions):
        response = client.post(f"{CLAUSE}/comment", data=data)
    assert response.status_code == 303
    return list(statements), list(transactions)


@pytest.mark.parametrize("limits", [False, True], ids=["no-limits", "database-limits"])
def test_comment_post_statements_and_write_transactions_stay_constant(app_factory, limits):
    app = app_factory(RATELIMIT_ENABLED=limits, RATELIMIT_STORAGE_URI="database://",
                      COMMENT_RATE_LIMIT="1000 per 10 minutes")
    seed(app)
    client = app.test_client()
    post_one(app, client, 0)  # the month's IP-hash key is made on the first comment,
    post_one(app, client, 1)  # and read by the next one, after which the process knows it
    first, first_tx = post_one(app, client, 2)
    for n in range(3, 25):
        post_one(app, client, n)
    later, later_tx = post_one(app, client, 99)
    assert len(later) == len(first), "\n".join(later)
    assert later_tx == first_tx
    durable = [tx for tx in later_tx if any("comments" in s for s in tx)]
    # One transaction holds the comment and its receipt mail, nothing else and nothing twice.
    # Its cluster (issue 10) is written in the same transaction: a stored comment has its cluster.
    # Last, just before the commit, its count in the published feedback's tallies (issue 9: one
    # upsert, so the clause's tally row is locked only for the commit).
    expected = ["INSERT INTO comments", "INSERT INTO comment_clusters", "UPDATE comments SET cluster_id=",
                "INSERT INTO comment_cluster_bands", "INSERT INTO outbox_messages", "INSERT INTO feedback_tallies"]
    assert len(durable) == 1 and len(durable[0]) == len(expected), durable
    assert all(s.startswith(e) for s, e in zip(durable[0], expected)), durable
    if limits:
        # The counter hit is its own (short, not fsynced) transaction, before the view runs.
        assert later_tx[0][0].startswith("INSERT INTO rate_limits") and len(later_tx) == 2
        # + PRAGMA synchronous=NORMAL/FULL around it on SQLite, SET LOCAL synchronous_commit on PG.
        assert len(later) == (11 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else 10), \
            "\n".join(later)
    else:
        assert later_tx == durable
        # The clause with its consultation (one SELECT), the cluster candidates, 6 writes. No
        # replay look-up (the token's unique index finds a replay) and no SELECT of the month's
        # IP-hash key (known to the process once read).
        assert len(later) == 8, "\n".join(later)
    # No SELECT of the row just written (the receipt redirect knows its code) and no look-up of a
    # receipt mail that cannot exist yet.
    assert not any(s.lstrip().startswith("SELECT outbox_messages") for s in later)
    # The cluster candidates by band key (one indexed query), and nothing else from comments.
    assert sum(s.lstrip().startswith("SELECT comments") for s in later) == 1
    assert not any(s.lstrip().startswith("SELECT ip_hash_keys") for s in later)
    assert sum(" FROM consultations" in s or " JOIN consultations" in s for s in later) == 1  # with the clause


def test_rate_limit_hit_commits_without_fsync_on_sqlite(app_factory, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only (PostgreSQL: SET LOCAL synchronous_commit TO OFF)")
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="database://",
                      COMMENT_RATE_LIMIT="1000 per 10 minutes")
    seed(app)
    client = app.test_client()
    statements, _ = post_one(app, client, 1)
    hit = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO rate_limits"))
    assert statements[hit - 1] == "PRAGMA synchronous=NORMAL"
    after = [s for s in statements[hit + 1:] if not s.startswith("DELETE FROM rate_limits")]  # the purge
    assert after[0] == "PRAGMA synchronous=FULL"
    # ... and the comment's own transaction is FULL again: every pooled connection says so.
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_receipt_page_is_one_query_outside_any_transaction(app_factory, database_url):
    """The page a commenter lands on after posting: one SELECT of the comment with its
    consultation and clause. On PostgreSQL it runs in autocommit mode, so no BEGIN and ROLLBACK
    round trips surround it (under a surge, round trips are what requests wait for)."""
    app = app_factory()
    seed(app)
    client = app.test_client()
    page = client.get(CLAUSE)
    response = client.post(f"{CLAUSE}/comment", data={**form_tokens(page.get_data(as_text=True)),
                                                      **valid_comment(body=distinct_text(7))})
    location = response.headers["Location"]
    with app.app_context():
        engine = db.engine
    autocommit: list[bool] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        autocommit.append(bool(getattr(conn.connection.dbapi_connection, "autocommit", False)))

    with recording(app) as (statements, transactions):
        event.listen(engine, "before_cursor_execute", before)
        try:
            shown = client.get(location)
        finally:
            event.remove(engine, "before_cursor_execute", before)
    assert shown.status_code == 200 and "压测" not in shown.get_data(as_text=True)
    assert len(statements) == 1 and statements[0].lstrip().startswith("SELECT comments"), statements
    assert "consultations" in statements[0] and "clauses" in statements[0]
    assert autocommit == [database_url.startswith("postgresql")]


@pytest.mark.parametrize("auto_approve", [False, True], ids=["pending", "auto-approved"])
def test_a_pending_comment_is_written_without_the_unit_of_work(app_factory, auto_approve):
    """A pending comment changes no count and no public page: one Core INSERT ... RETURNING, no ORM
    flush (its bookkeeping was a seventh of the POST's CPU). An auto-approved one changes both, so
    it goes through the flush, whose hooks keep the counts and the page-cache version."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Clause

    app = app_factory(AUTO_APPROVE_COMMENTS=auto_approve)
    seed(app)
    client = app.test_client()
    flushed: list[list[str]] = []

    def before_flush(session, context, instances):
        flushed.append(sorted(type(obj).__name__ for obj in session.new))

    event.listen(Session, "before_flush", before_flush)
    try:
        post_one(app, client, 5)
    finally:
        event.remove(Session, "before_flush", before_flush)
    assert [names for names in flushed if names] == ([["Comment"]] if auto_approve else [])
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.body == distinct_text(5) and comment.email == "p5@example.com"
        assert comment.status == ("approved" if auto_approve else "pending") and comment.cluster_id == comment.id
        clause = db.session.scalar(select(Clause).where(Clause.id == comment.clause_id))
        assert clause.number == 12 and clause.approved_count == (1 if auto_approve else 0)
