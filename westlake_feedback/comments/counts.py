"""Counts of approved comments stored on clauses and consultations, so public pages never count.

Every change that makes a comment approved or no longer approved (moderation, bulk actions,
auto-approval, offline intake entered as approved) goes through the ORM; a session hook adds the
difference to `clauses.approved_count` and `consultations.approved_count` in the same flush, so
in the same transaction. Increments (`count = count + d`) stay right under concurrent moderators.
A Core UPDATE of comments.status bypasses the hook: pass the differences it makes to
`add_to_counts()` (clusters/bulk.py does), or call `recount_all()` after one (a bulk load);
`flask counts recount` runs it on a live database and says what was wrong.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from ..consultations.models import Clause, Consultation
from ..extensions import db
from .models import Comment, CommentStatus

APPROVED = CommentStatus.APPROVED.value
_PENDING_EXPIRY = "westlake_counts_expire"


def _old_and_new(comment: Comment, state) -> tuple[tuple | None, tuple | None]:
    """(consultation id, clause id) the comment counted for before and after this flush, or None."""
    new = (comment.consultation_id, comment.clause_id) if comment.status == APPROVED else None
    if state.pending or not state.has_identity:
        return None, new
    attrs = state.attrs
    old_status = _old(attrs.status.history, comment.status)
    if old_status != APPROVED:
        return None, new
    return (_old(attrs.consultation_id.history, comment.consultation_id),
            _old(attrs.clause_id.history, comment.clause_id)), new


def _old(history, current):
    if history.deleted:
        return history.deleted[0]
    return current


@event.listens_for(Session, "after_flush")
def _keep_counts(session: Session, flush_context) -> None:
    clause_delta: Counter = Counter()
    consultation_delta: Counter = Counter()
    for comment in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(comment, Comment):
            continue
        state = inspect(comment)
        if comment in session.deleted:
            old, new = _old_and_new(comment, state)[0], None
        elif comment in session.new:
            old, new = None, _old_and_new(comment, state)[1]
        else:
            old, new = _old_and_new(comment, state)
        if old == new:
            continue
        for key, sign in ((old, -1), (new, 1)):
            if key is None:
                continue
            consultation_delta[key[0]] += sign
            if key[1] is not None:
                clause_delta[key[1]] += sign
    if _add(session, clause_delta, consultation_delta):
        pending = session.info.setdefault(_PENDING_EXPIRY, set())  # expired once the flush is over
        pending.update((Clause, i) for i in clause_delta)
        pending.update((Consultation, i) for i in consultation_delta)


def add_to_counts(session: Session, clause_delta: Counter, consultation_delta: Counter) -> None:
    """Add the differences ({clause id: d}, {consultation id: d}) to the stored counts in the
    session's transaction, as the hook does, for a Core UPDATE of comments.status that knows what
    it changed (clusters/bulk.py); loaded clauses and consultations re-read theirs when next used."""
    if _add(session, clause_delta, consultation_delta):
        _expire(session, [(Clause, i) for i in clause_delta] + [(Consultation, i) for i in consultation_delta])


def _add(session: Session, clause_delta: Counter, consultation_delta: Counter) -> bool:
    if not clause_delta and not consultation_delta:
        return False
    connection = session.connection()
    clauses, consultations = Clause.__table__, Consultation.__table__
    # Rows locked in id order, clauses before consultations: two concurrent bulk actions wait for
    # each other instead of deadlocking.
    for clause_id, delta in sorted(clause_delta.items()):
        if delta:
            connection.execute(update(clauses).where(clauses.c.id == clause_id)
                               .values(approved_count=clauses.c.approved_count + delta))
    for consultation_id, delta in sorted(consultation_delta.items()):
        if delta:  # updated_at given as itself: a moderation is no edit of the consultation
            connection.execute(update(consultations).where(consultations.c.id == consultation_id)
                               .values(approved_count=consultations.c.approved_count + delta,
                                       updated_at=consultations.c.updated_at))
    return True


def _expire(session: Session, keys) -> None:
    for model, ident in keys:
        loaded = session.identity_map.get(session.identity_key(model, ident))
        if loaded is not None:
            session.expire(loaded, ["approved_count"])


@event.listens_for(Session, "after_flush_postexec")
def _expire_changed(session: Session, flush_context) -> None:
    """Loaded clauses and consultations re-read their count when next used."""
    _expire(session, session.info.pop(_PENDING_EXPIRY, ()))


def recount_statements() -> list:
    """UPDATEs that set every stored count from the comments (the migration back-fills so too)."""
    approved = Comment.status == APPROVED
    clauses, consultations = Clause.__table__, Consultation.__table__
    per_clause = (select(func.count()).select_from(Comment).where(Comment.clause_id == clauses.c.id, approved)
                  .scalar_subquery())
    per_consultation = (select(func.count()).select_from(Comment)
                        .where(Comment.consultation_id == consultations.c.id, approved).scalar_subquery())
    return [update(clauses).values(approved_count=per_clause),
            update(consultations).values(approved_count=per_consultation, updated_at=consultations.c.updated_at)]


def wrong_counts() -> dict[str, int]:
    """How many clauses and consultations store a count their comments do not give."""
    approved = Comment.status == APPROVED
    per_clause = (select(func.count()).select_from(Comment).where(Comment.clause_id == Clause.id, approved)
                  .scalar_subquery())
    per_consultation = (select(func.count()).select_from(Comment)
                        .where(Comment.consultation_id == Consultation.id, approved).scalar_subquery())
    return {
        "clauses": db.session.scalar(select(func.count()).select_from(Clause).where(Clause.approved_count != per_clause)),
        "consultations": db.session.scalar(select(func.count()).select_from(Consultation)
                                           .where(Consultation.approved_count != per_consultation)),
    }


def recount_all() -> dict[str, int]:
    """Recount every stored count in the current transaction (after bulk Core changes): the
    approved counts and the published feedback's tallies (feedback/tallies.py). Returns how many
    were wrong: {"clauses": n, "consultations": n, "feedback tallies": keys}."""
    from ..feedback.tallies import recount  # the feedback package imports this one's

    db.session.flush()
    wrong = wrong_counts()
    for statement in recount_statements():
        db.session.execute(statement)
    wrong["feedback tallies"] = recount(db.session)
    db.session.expire_all()
    return wrong
