"""The published feedback's counts, stored (feedback_tallies, models.py) and kept in the transaction
of every change, so the summary reads a few dozen rows whatever the number of comments.

Each comment counts in one row: (consultation, round, clause or None, status, outcome or
"undecided"). Whatever moves a comment from one key to another changes two counts:

- ORM changes (moderation, decisions, intake, auto-approval, deletions): session hooks work out
  each changed comment's old and new key from the attribute history of the comment and of its
  decision (`after_flush`; a deleted comment's outcome is read in `before_flush`, before its
  decision is deleted with it);
- Core statements that know what they changed (clusters/bulk.py) pass their differences to
  `add_to_tallies()`; a bulk load without them calls `recount()` (counts.recount_all does).

The differences of a transaction are gathered and written just before it commits, as one upsert
per key (`count = count + d`, right under concurrent moderators), keys in order so that two
transactions never wait for each other crosswise. So a new comment holds its clause's row lock
only for its commit, not for the rest of its transaction (intake on PostgreSQL), and reads within
a transaction see the tallies as of its start. A rolled-back transaction or savepoint drops what
it gathered. `flask counts recount` repairs the tallies if something ever bypassed all this.
"""
from __future__ import annotations

from collections import Counter
from functools import cache

from sqlalchemy import delete, event, func, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

from ..comments.models import Comment
from ..extensions import db
from ..moderation.models import Decision
from ..pagecache.version import bump_once
from .models import UNDECIDED, FeedbackTally

_PENDING = "westlake_tallies_pending"  # {nested transaction or None: Counter of key -> difference}
_DELETED_OUTCOMES = "westlake_tallies_deleted_outcomes"  # {comment id: outcome}, read before a flush
KEY_COLUMNS = ("consultation_id", "clause_id", "round_number", "status", "outcome")
_PLACE = ("consultation_id", "clause_id", "round_number", "status")  # a comment's part of the key


def _old(history, current):
    return history.deleted[0] if history.deleted else current


def _place(comment: Comment, old: bool) -> tuple:
    if not old:
        return tuple(getattr(comment, name) for name in _PLACE)
    attrs = inspect(comment).attrs
    return tuple(_old(getattr(attrs, name).history, getattr(comment, name)) for name in _PLACE)


def _moved(comment: Comment) -> bool:
    attrs = inspect(comment).attrs
    return any(getattr(attrs, name).history.has_changes() for name in _PLACE)


@event.listens_for(Session, "before_flush")
def _read_deleted_outcomes(session: Session, flush_context, instances) -> None:
    """The outcomes of comments about to be deleted whose decision is not loaded: the database
    deletes the decision with the comment (ON DELETE CASCADE)."""
    ids = [c.id for c in session.deleted if isinstance(c, Comment) and "decision" not in inspect(c).dict]
    if ids:
        rows = session.connection().execute(
            select(Decision.comment_id, Decision.outcome).where(Decision.comment_id.in_(ids)))
        session.info.setdefault(_DELETED_OUTCOMES, {}).update(dict(rows.all()))


@event.listens_for(Session, "after_flush")
def _gather(session: Session, flush_context) -> None:
    outcomes: dict[int, list] = {}  # comment id -> [old outcome, new outcome], where its decision changed
    for decision in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(decision, Decision):
            _decision_change(session, decision, outcomes)
    comments = {c.id: c for c in [*session.new, *session.dirty, *session.deleted] if isinstance(c, Comment)}
    deleted_outcomes = session.info.pop(_DELETED_OUTCOMES, {})
    delta: Counter = Counter()
    unknown = [i for i, c in comments.items()
               if i not in outcomes and c not in session.new and c not in session.deleted and _moved(c)]
    current = _current_outcomes(session, unknown)
    for comment_id, comment in comments.items():
        if comment in session.new:
            old, new = None, _place(comment, old=False)
        elif comment in session.deleted:
            old, new = _place(comment, old=True), None
        elif comment_id in outcomes or _moved(comment):
            old, new = _place(comment, old=True), _place(comment, old=False)
        else:
            continue
        if comment_id in outcomes:
            old_outcome, new_outcome = outcomes.pop(comment_id)
        elif comment in session.deleted:
            old_outcome = new_outcome = deleted_outcomes.get(comment_id, _loaded_outcome(comment))
        elif comment in session.new:
            old_outcome = new_outcome = UNDECIDED
        else:
            old_outcome = new_outcome = current.get(comment_id, UNDECIDED)
        _move(delta, old and (*old, old_outcome), new and (*new, new_outcome))
    # Decisions changed on comments that are not in the flush: the comment is where it was.
    for comment_id, place in _places(session, list(outcomes)).items():
        old_outcome, new_outcome = outcomes[comment_id]
        _move(delta, (*place, old_outcome), (*place, new_outcome))
    _pending(session).update(delta)


def _places(session: Session, comment_ids: list[int]) -> dict[int, tuple]:
    """The (consultation, clause, round, status) of comments: as loaded, else as stored (one query)."""
    found, missing = {}, []
    for comment_id in comment_ids:
        comment = session.identity_map.get(session.identity_key(Comment, comment_id))
        if comment is not None and all(name in inspect(comment).dict for name in _PLACE):
            found[comment_id] = _place(comment, old=False)
        else:
            missing.append(comment_id)
    if missing:
        rows = session.connection().execute(
            select(Comment.id, *(getattr(Comment, name) for name in _PLACE)).where(Comment.id.in_(missing)))
        found.update((comment_id, tuple(place)) for comment_id, *place in rows)
    return found


def _decision_change(session: Session, decision: Decision, outcomes: dict[int, list]) -> None:
    attrs = inspect(decision).attrs
    outcome = _old(attrs.outcome.history, decision.outcome)
    comment_id = _old(attrs.comment_id.history, decision.comment_id)
    if decision.comment_id is None:  # on no comment: counted nowhere
        return
    if decision in session.new:
        outcomes.setdefault(decision.comment_id, [UNDECIDED, UNDECIDED])[1] = decision.outcome
    elif decision in session.deleted:
        outcomes.setdefault(comment_id, [UNDECIDED, UNDECIDED])[0] = outcome
    elif comment_id != decision.comment_id:  # moved to another comment
        outcomes.setdefault(comment_id, [UNDECIDED, UNDECIDED])[0] = outcome
        outcomes.setdefault(decision.comment_id, [UNDECIDED, UNDECIDED])[1] = decision.outcome
    elif outcome != decision.outcome:
        outcomes[comment_id] = [outcome, decision.outcome]


def _loaded_outcome(comment: Comment) -> str:
    decision = inspect(comment).dict.get("decision")
    return decision.outcome if decision is not None else UNDECIDED


def _current_outcomes(session: Session, comment_ids: list[int]) -> dict[int, str]:
    """The outcome of comments whose decision did not change in this flush: the loaded decision,
    else the stored one (one query for all of them)."""
    found, missing = {}, []
    for comment_id in comment_ids:
        comment = session.identity_map.get(session.identity_key(Comment, comment_id))
        if comment is not None and "decision" in inspect(comment).dict:
            found[comment_id] = _loaded_outcome(comment)
        else:
            missing.append(comment_id)
    if missing:
        found.update(session.connection().execute(
            select(Decision.comment_id, Decision.outcome).where(Decision.comment_id.in_(missing))).all())
    return found


def _move(delta: Counter, old: tuple | None, new: tuple | None) -> None:
    if old == new:
        return
    if old is not None:
        delta[old] -= 1
    if new is not None:
        delta[new] += 1


def _pending(session: Session) -> Counter:
    """The differences gathered in the session's current transaction (its innermost savepoint)."""
    pending = session.info.setdefault(_PENDING, {})
    return pending.setdefault(session.get_nested_transaction(), Counter())


def add_to_tallies(session: Session, delta: Counter) -> None:
    """Add {(consultation id, clause id, round number, status, outcome): d} to the tallies when the
    session's transaction commits, for Core statements that know what they changed (clusters/bulk.py)."""
    if isinstance(session, scoped_session):  # db.session: the current thread's session
        session = session()
    _pending(session).update(delta)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    session.flush()  # what the commit's own flush, after this hook, would gather
    if not any(session.info.get(_PENDING, {}).values()):
        return
    total: Counter = Counter()
    for delta in session.info.pop(_PENDING, {}).values():
        total.update(delta)
    write(session.connection(), total)


def write(connection, delta: Counter) -> None:
    """One upsert per key with a difference, in key order."""
    changes = sorted(((key, d) for key, d in delta.items() if d), key=lambda item: _sortable(item[0]))
    if not changes:
        return
    for on_clause in (True, False):
        rows = [dict(zip(KEY_COLUMNS, key), count=d) for key, d in changes if (key[1] is not None) is on_clause]
        if rows:
            connection.execute(_upsert(connection.dialect.name, on_clause), rows)


@cache
def _upsert(dialect_name: str, on_clause: bool):
    """INSERT ... ON CONFLICT (the partial unique index of clause rows or of whole-document rows)
    DO UPDATE SET count = count + the difference. Made once: building `excluded` costs more than
    running the statement."""
    table = FeedbackTally.__table__
    statement = (sqlite if dialect_name == "sqlite" else postgresql).insert(table)
    columns = [name for name in KEY_COLUMNS if on_clause or name != "clause_id"]
    where = table.c.clause_id.is_not(None) if on_clause else table.c.clause_id.is_(None)
    return statement.on_conflict_do_update(index_elements=columns, index_where=where,
                                           set_={"count": table.c["count"] + statement.excluded["count"]})


def _sortable(key: tuple) -> tuple:
    consultation_id, clause_id, *rest = key
    return (consultation_id, clause_id is not None, clause_id or 0, *rest)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.nested:
        pending.pop(previous_transaction, None)
    elif previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed (written), rolled back or closed
        session.info.pop(_PENDING, None)
        session.info.pop(_DELETED_OUTCOMES, None)


# Recounting ----------------------------------------------------------------

def true_tallies(consultation_id: int | None = None):
    """The tallies counted from the comments: rows of (*KEY_COLUMNS, count)."""
    outcome = func.coalesce(Decision.outcome, literal(UNDECIDED))
    query = (select(*(getattr(Comment, name) for name in _PLACE), outcome.label("outcome"), func.count())
             .select_from(Comment).outerjoin(Decision, Decision.comment_id == Comment.id)
             .group_by(*(getattr(Comment, name) for name in _PLACE), outcome))
    return query if consultation_id is None else query.where(Comment.consultation_id == consultation_id)


def stored_tallies(connection, consultation_id: int | None = None) -> dict[tuple, int]:
    """{key: count} of the stored rows that count anything."""
    table = FeedbackTally.__table__
    query = select(*(table.c[name] for name in KEY_COLUMNS), table.c["count"]).where(table.c["count"] != 0)
    if consultation_id is not None:
        query = query.where(table.c.consultation_id == consultation_id)
    return {tuple(row[:-1]): row[-1] for row in connection.execute(query)}


def recount(session: Session | None = None) -> int:
    """Set every tally from the comments in the session's transaction; returns how many keys were
    wrong (0 when the stored tallies were right)."""
    session = session or db.session
    session.flush()
    session.info.pop(_PENDING, None)  # the recount includes whatever was gathered
    connection = session.connection()
    stored = stored_tallies(connection)
    true = {tuple(row[:-1]): row[-1] for row in connection.execute(true_tallies())}
    wrong = {key for key in stored.keys() | true.keys() if stored.get(key, 0) != true.get(key, 0)}
    if wrong:
        bump_once(session)  # pages cached with the wrong counts
        connection.execute(delete(FeedbackTally.__table__))
        rows = [dict(zip(KEY_COLUMNS, key), count=count) for key, count in sorted(true.items(), key=lambda i: _sortable(i[0]))]
        if rows:
            connection.execute(FeedbackTally.__table__.insert(), rows)
    return len(wrong)
