"""A cluster's moderation action and decision written for all its members with set-based statements.

Each member ends up with exactly the rows the per-comment services would give it on its own
(moderation/services.py approve, reject, mark_spam; moderation/decisions.py set_decision): its
status change with moderated_at/by, its decision inserted (none yet) or updated in place (another
outcome or response: the row keeps its id, and decisions.comment_id stays unique), an audit entry
per change with the same summary and old→new changes (each comment's entries in the same order); a
member whose state or decision is already the one asked for is left alone and records nothing
(tests/clusters/test_cluster_bulk.py compares the two paths row by row).

No Comment object is loaded. Members are read CHUNK at a time along (cluster_id, id) as plain rows
with their decision, and the old→new of each distinct old state is worked out once in Python. Each
chunk is then written with set-based statements: one UPDATE of comments WHERE id IN (the members
whose state changes; the new state is the same for all), one INSERT ... SELECT of the new
decisions, one UPDATE of decisions WHERE id IN (those that change), and one INSERT ... SELECT of
audit entries per group of members with the same old→new (a campaign's members mostly share
theirs; past GROUPS groups the rest go in one executemany). The statements grow with the chunks,
not the members. The stored approved counts, which the ORM hook would keep, get the differences
once at the end (comments/counts.py add_to_counts: one UPDATE per clause touched and one for the
consultation), so do the published feedback's tallies (feedback/tallies.py add_to_tallies: one
upsert per key that changed, at commit), and the page-cache version is bumped once when anything changed
(pagecache/version.py). No mail is sent on this path, as on the per-comment one. The caller
commits: the cluster is one transaction.

On PostgreSQL most of the time is the UPDATE of comments: a new row version is indexed afresh
(the search grams are in their own table, which a status change does not touch).
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import String, bindparam, cast, inspect, insert, select, update

from ..accounts.models import User
from ..audit.models import AuditEntry
from ..audit.services import diff, encode_changes, entry_values
from ..comments.counts import add_to_counts
from ..comments.models import Comment, CommentStatus
from ..extensions import db
from ..feedback.models import UNDECIDED
from ..moderation.models import Decision, RejectionReason
from ..moderation.services import action_state
from ..pagecache.version import bump_once
from ..timeutil import now_utc

if TYPE_CHECKING:
    from .staff import ClusterAction, ClusterResult

CHUNK = 1000  # members read and written at a time
GROUPS = 8  # old→new groups per chunk written by INSERT ... SELECT; members of any others row by row
PER_MEMBER = ("target_id", "summary", "changes")  # the audit columns that differ between members
APPROVED = CommentStatus.APPROVED.value
PENDING = CommentStatus.PENDING.value


def _members(cluster_id: int, after: int, undecided_only: bool):
    query = (
        select(Comment.id, Comment.receipt_code, Comment.status, Comment.rejection_reason, Comment.rejection_note,
               Comment.consultation_id, Comment.clause_id, Comment.round_number, Decision.id.label("decision_id"),
               Decision.outcome,
               Decision.response)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.cluster_id == cluster_id, Comment.id > after)
        .order_by(Comment.id).limit(CHUNK)
    )
    return query.where(Decision.id.is_(None)) if undecided_only else query


class _Writer:
    """What one call writes: the chunks' statements, the count differences, the members touched."""

    def __init__(self, act: ClusterAction, actor: User, result: ClusterResult, rest: bool):
        self.act, self.actor, self.result, self.rest = act, actor, result, rest
        self.now = now_utc()
        self.state = action_state(act.action, act.reason, act.note) if act.action else None
        self.summary = RejectionReason(act.reason).value if act.action == "reject" else ""
        self.decided = {"outcome": act.outcome, "response": act.response}
        self.clause_delta: Counter = Counter()
        self.consultation_delta: Counter = Counter()
        self.tally_delta: Counter = Counter()
        self.touched: set[int] = set()
        self.changes: dict[tuple, dict] = {}

    def _count(self, row) -> None:
        """The member's status changes: what the counts hook would add for it."""
        sign = 1 if self.state["status"] == APPROVED else -1 if row.status == APPROVED else 0
        if sign:
            self.consultation_delta[row.consultation_id] += sign
            if row.clause_id is not None:
                self.clause_delta[row.clause_id] += sign

    def _tally(self, row, status: str, outcome: str | None) -> None:
        """The member moves from its tally (feedback/tallies.py) to that of its new status and outcome."""
        place = (row.consultation_id, row.clause_id, row.round_number)
        old = (*place, row.status, row.outcome or UNDECIDED)
        new = (*place, status, outcome or UNDECIDED)
        if old != new:
            self.tally_delta[old] -= 1
            self.tally_delta[new] += 1

    def _changes(self, kind: str, old: tuple | None) -> dict:
        """old→new of a member's moderation state or decision, worked out once per distinct old."""
        key = (kind, old)
        changes = self.changes.get(key)
        if changes is None:
            if kind == "moderation":
                before = dict(zip(("status", "rejection_reason", "rejection_note"), old))
                changes = diff(before, self.state)
            else:
                changes = diff({} if old is None else {"outcome": old[0], "response": old[1]}, self.decided)
            self.changes[key] = changes
        return changes

    def chunk(self, rows) -> None:
        """Work out each member's old→new, then write the chunk. Members with the same old state
        (a campaign's mostly have) form a group whose audit entries are one INSERT ... SELECT."""
        act = self.act
        moderation: dict[tuple, list[int]] = {}  # old state -> members that change
        decision: dict[tuple | None, list[int]] = {}  # old (outcome, response), None: none yet
        new_decisions: list[int] = []  # members
        changed_decisions: list[int] = []  # decision ids
        for row in rows:
            status, outcome = row.status, row.outcome
            # As apply_to_rest: a late member someone already moderated keeps its status.
            if self.state and not (self.rest and row.status != PENDING):
                old = (row.status, row.rejection_reason, row.rejection_note)
                if self._changes("moderation", old):
                    moderation.setdefault(old, []).append(row.id)
                    status = self.state["status"]
                    if row.status != status:
                        self._count(row)
            if act.outcome:
                old = None if row.decision_id is None else (row.outcome, row.response)
                if self._changes("decision", old):
                    decision.setdefault(old, []).append(row.id)
                    outcome = act.outcome
                    if old is None:
                        new_decisions.append(row.id)
                    else:
                        changed_decisions.append(row.decision_id)
            self._tally(row, status, outcome)
        moderated = [member for members in moderation.values() for member in members]
        self.result.members += len(rows)
        self.result.moderated += len(moderated)
        self.result.decided += len(new_decisions) + len(changed_decisions)
        if moderated or new_decisions or changed_decisions:
            self._write(moderated, new_decisions, changed_decisions)
            # Each member's moderation entry before its decision entry, as the per-comment path.
            self._entries(act.action, self.summary, "moderation", moderation)
            self._entries("decision", act.outcome, "decision", decision)
            self.touched.update(moderated, *decision.values())

    def _write(self, moderated: list[int], new_decisions: list[int], changed_decisions: list[int]) -> None:
        session = db.session
        bump_once(session)  # comments and decisions are on public pages (published feedback)
        comments, decisions = Comment.__table__, Decision.__table__
        if moderated:  # the new state is the same for every member
            session.execute(update(comments).where(comments.c.id.in_(_ids())).values(
                **self.state, moderated_at=self.now, moderated_by_id=self.actor.id), {"ids": moderated})
        decided = {**self.decided, "decided_by_id": self.actor.id, "decided_at": self.now}
        if new_decisions:
            values = {**decided, "created_at": self.now}
            session.execute(insert(decisions).from_select(
                ["comment_id", *values],
                select(comments.c.id, *(_constant(decisions.c[name], value) for name, value in values.items()))
                .where(comments.c.id.in_(_ids())).order_by(comments.c.id)), {"ids": new_decisions})
        if changed_decisions:
            session.execute(update(decisions).where(decisions.c.id.in_(_ids())).values(**decided),
                            {"ids": changed_decisions})

    def _entries(self, action: str, summary: str, kind: str, groups: dict) -> None:
        """The audit entries record() would write, one INSERT ... SELECT per old→new group (the
        GROUPS largest; members of any further groups in one more statement, row by row)."""
        if not groups:
            return
        audit, comments = AuditEntry.__table__, Comment.__table__
        values = entry_values(action, target_type=Comment.__tablename__, target_id=None, summary="", changes=None,
                              actor=self.actor)
        base = {name: value for name, value in values.items() if name not in PER_MEMBER} | {"at": self.now}
        # As moderation/services.py and decisions.py write it: the receipt code, a space, the summary.
        code = comments.c.receipt_code + f" {summary}" if summary else comments.c.receipt_code
        columns = ["target_id", "summary", "changes", *base]
        constants = [_constant(audit.c[name], value) for name, value in base.items()]
        ordered = sorted(((self._changes(kind, old), members) for old, members in groups.items()),
                         key=lambda group: (-len(group[1]), group[1][0]))
        for changes, members in ordered[:GROUPS]:
            db.session.execute(insert(audit).from_select(columns, select(
                cast(comments.c.id, String(64)), code, _constant(audit.c.changes, encode_changes(changes)), *constants)
                .where(comments.c.id.in_(_ids())).order_by(comments.c.id)), {"ids": members})
        rest = sorted((member, changes) for changes, members in ordered[GROUPS:] for member in members)
        if rest:
            db.session.execute(insert(audit).from_select(columns, select(
                cast(comments.c.id, String(64)), code, bindparam("changes", type_=audit.c.changes.type), *constants)
                .where(comments.c.id == bindparam("member"))),
                [{"member": member, "changes": encode_changes(changes)} for member, changes in rest])

    def finish(self) -> None:
        session = db.session
        add_to_counts(session, self.clause_delta, self.consultation_delta)
        # Imported here: feedback/tallies.py imports the moderation package, whose views import this module.
        from ..feedback.tallies import add_to_tallies

        add_to_tallies(session, self.tally_delta)
        # Loaded members and decisions (a page's first comment, say) re-read what was written.
        for instance in list(session.identity_map.values()):
            if isinstance(instance, Decision) or (
                    isinstance(instance, Comment) and inspect(instance).identity[0] in self.touched):
                session.expire(instance)


def _ids():
    """IN (the ids given at execution): the list is sent as it is, not coerced element by element."""
    return bindparam("ids", expanding=True)


def _constant(column, value):
    """A value selected into every inserted row, bound once with the column's type."""
    return bindparam(None, value, type_=column.type)


def apply_to_members(cluster_id: int, act: ClusterAction, actor: User, result: ClusterResult,
                     rest: bool = False) -> None:
    """The checked action and decision for every member of the cluster (rest: only those with no
    decision, and the action only to those still pending), counted into `result`."""
    db.session.flush()  # nothing of the session's own is left unwritten when loaded rows are expired
    actor = getattr(actor, "_get_current_object", lambda: actor)()  # current_user: the user itself
    writer = _Writer(act, actor, result, rest)
    last = 0
    while rows := db.session.execute(_members(cluster_id, last, rest)).all():
        writer.chunk(rows)
        last = rows[-1].id
    writer.finish()
