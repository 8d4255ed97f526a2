"""On PostgreSQL, a request that only read ends its transaction with COMMIT instead of ROLLBACK.

psycopg prepares a statement on the server once it has run `prepare_threshold` times (5) on one
connection, and from then on PostgreSQL skips parsing and planning it: the PostgreSQL CPU of a
comment flow (form, POST, receipt) fell from 5.4 to 3.0 ms. But psycopg forgets every prepared
statement at each ROLLBACK (one prepared inside a rolled-back transaction may name an object
that is gone) and sends DEALLOCATE ALL before the next query. Flask-SQLAlchemy ends every request
by closing its session, which rolls back whatever transaction is open, so each page that only
read would throw away the prepared statements of its connection.

A transaction that ran nothing but SELECTs has nothing to undo: COMMIT and ROLLBACK end it alike
and cost the same round trip. This teardown runs before Flask-SQLAlchemy's and commits only such
a transaction: no error, no object added, changed or deleted in the session, no tally waiting
for the commit, and no statement other than a SELECT (or a SET LOCAL) on its connection.
Anything else is left to the rollback as before. SQLite keeps the rollback: it has no server-side statements to keep.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

WROTE = "westlake_wrote"  # in Connection.info: a statement other than a SELECT ran since BEGIN
# Statements after which COMMIT and ROLLBACK leave the same: a SET LOCAL ends with the transaction.
READS = ("SELECT", "SET LOCAL ")


@event.listens_for(Engine, "begin")
def _transaction_began(connection) -> None:
    connection.info.pop(WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if connection.dialect.name == "postgresql" and not statement.lstrip().upper().startswith(READS):
        connection.info[WROTE] = True


def init_read_transactions(app, db) -> None:
    """Call after db.init_app(app): Flask runs app-context teardowns in reverse order of
    registration, so this one sees the session before Flask-SQLAlchemy closes it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return

    @app.teardown_appcontext
    def commit_read_only_transaction(exception) -> None:
        if exception is not None:
            return
        session = db.session()
        transaction = session.get_transaction()
        if transaction is None or not transaction.is_active:
            return
        if session.new or session.dirty or session.deleted or any(session.info.values()):
            return
        if session.connection().info.get(WROTE):
            return
        # Closing the session (next) leaves its objects loaded, detached; so must this commit:
        # code that reads an object after its app context (tests, the worker) keeps working.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        except SQLAlchemyError:  # the session's own close rolls it back, as without this hook
            return
        finally:
            session.expire_on_commit = expire
