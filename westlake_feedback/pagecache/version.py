"""The content version: one counter, bumped in the same transaction as every change that alters
what a public page shows. Cached pages are keyed by it, so a commit that changes public output
makes every process (and every node sharing the database) render afresh on its next request.

What bumps it (session hooks, like comments/counts.py keeps the stored counts):
- a comment that is, or was, approved being added, changed or deleted; any change of a comment's
  status (spam changes the "received" totals of the published feedback); a new comment on a
  consultation whose feedback is published (the feedback counts every opinion received);
- any change of a consultation, section, clause, clause response or decision;
- an ORM-executed UPDATE/DELETE (`db.session.execute(update(...))`) of one of those tables,
  which includes `counts.recount_all()` after bulk Core inserts.
A new pending comment (the common write) does not touch the counter, so intake never waits on
its row lock. Writes that bypass the Session entirely must call `bump()` themselves, and Core
INSERTs of public rows through the Session `bump_once(db.session)`.
"""
from __future__ import annotations

import os
import secrets
import threading
from functools import cache
from types import SimpleNamespace

from sqlalchemy import BigInteger, Integer, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

ROW_ID = 1
_SELECT = f"SELECT version FROM content_versions WHERE id = {ROW_ID}"
# The same statement on SQLite (3.24+) and PostgreSQL.
_BUMP = text("INSERT INTO content_versions (id, version) VALUES (:id, :start) "
             "ON CONFLICT (id) DO UPDATE SET version = content_versions.version + 1")
_BUMPED = "westlake_content_version_bumped"
# Execution option for a bulk UPDATE of a public table that changes nothing a public page shows.
PRIVATE_STATEMENT = "westlake_private_statement"


class ContentVersion(db.Model):
    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="1")


class _Reader:
    """One autocommit connection per process for the version reads, shared by its threads under a
    lock (gthread workers run 32 threads: one held connection each would empty the pool)."""

    lock = threading.Lock()
    pid: int | None = None
    connections: dict = {}


def current_version() -> int | None:
    """One query. None while the row is missing (emptied tables): nothing is cached then.

    Read on a connection the process keeps for this alone, in autocommit mode: no pool checkout,
    ping or rollback per request (they cost three times the query). A page rendered after this
    read shows data at least as new as the version, never older: a commit makes its changes and
    its new version visible together."""
    engine = db.engine
    with _Reader.lock:
        if _Reader.pid != os.getpid():  # a forked worker opens its own
            _Reader.connections = {}
            _Reader.pid = os.getpid()
        connections = _Reader.connections
        connection = connections.get(engine)
        for attempt in (1, 2):
            if connection is None or connection.closed or connection.invalidated:
                connection = connections[engine] = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                return connection.exec_driver_sql(_SELECT).scalar()
            except DBAPIError:
                connections.pop(engine, None)
                connection.close()  # a database restarted meanwhile: reconnect once
                connection = None
                if attempt == 2:
                    raise


def bump(connection=None) -> None:
    """Add one to the counter in the current transaction (of `connection`, else the session's).
    A missing row comes back at a random version, so that no page cached before it vanished can
    match again."""
    (connection or db.session.connection()).execute(_BUMP, {"id": ROW_ID, "start": secrets.randbits(48)})


@cache
def _public():
    """The models whose rows public pages show. Imported on first use, not with this module: forms
    import the page cache (tokens), and the domain packages import their views, which import forms."""
    from ..comments.models import Comment, CommentStatus
    from ..consultations.models import Clause, ClauseAlignment, Consultation, ConsultationRound, Section
    from ..moderation.models import ClauseResponse, Decision

    models = (Consultation, ConsultationRound, Section, Clause, ClauseAlignment, ClauseResponse, Decision)
    tables = frozenset(model.__tablename__ for model in (*models, Comment))
    return SimpleNamespace(Comment=Comment, APPROVED=CommentStatus.APPROVED.value, Consultation=Consultation,
                           models=models, tables=tables)


def _comment_changes_public_output(session: Session, comment) -> bool:
    public = _public()
    state = inspect(comment)
    if comment in session.new:
        if comment.status == public.APPROVED:
            return True
        consultation = session.get(public.Consultation, comment.consultation_id) if comment.consultation_id else None
        return consultation is not None and consultation.feedback_published_at is not None
    if comment in session.deleted:
        return True
    history = state.attrs.status.history
    if history.has_changes():
        return True
    if comment.status != public.APPROVED:
        return False
    return session.is_modified(comment, include_collections=False)


def _changes_public_output(session: Session) -> bool:
    public = _public()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, public.Comment):
            if _comment_changes_public_output(session, instance):
                return True
        elif isinstance(instance, public.models):
            if instance in session.dirty and not session.is_modified(instance, include_collections=False):
                continue
            return True
    return False


def bump_once(session: Session) -> None:
    """bump() unless this transaction of the session already did: once per transaction is enough
    (readers see it at commit). For Core INSERTs of public rows (clusters/bulk.py: decisions)."""
    if not session.info.get(_BUMPED):
        session.info[_BUMPED] = True
        bump(session.connection())


@event.listens_for(Session, "before_flush")
def _bump_on_public_change(session: Session, flush_context, instances) -> None:
    if not session.info.get(_BUMPED) and _changes_public_output(session):
        bump_once(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state) -> None:
    if not (state.is_update or state.is_delete) or state.session.info.get(_BUMPED):
        return
    if state.execution_options.get(PRIVATE_STATEMENT):  # e.g. cluster membership, staff-only
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _public().tables:
        bump_once(state.session)


@event.listens_for(Session, "after_transaction_end")
def _reset(session: Session, transaction) -> None:
    # The outermost transaction (commit or rollback), or a savepoint, which may roll the bump back
    # (after a released one the next change bumps again: harmless). Not a flush's own subtransaction.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_BUMPED, None)
