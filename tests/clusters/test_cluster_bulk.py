"""A whole cluster's action and decision give the same rows as handling each member alone.

A small cluster whose members are in every state that matters (pending, approved, rejected with a
reason, spam; no decision, the same decision, another outcome, another response; on two clauses
and on the whole draft) next to comments outside it. `per_comment` is the cluster action done the
plain way, member by member through the per-comment services (moderation/services.py approve,
reject, mark_spam and moderation/decisions.py set_decision); the cluster service must leave
exactly the rows it leaves: comment statuses, decision rows (updated in place or inserted),
audit entries with the same summaries and changes (each comment's in the same order), the stored approved counts,
the page-cache version, the outbox. Timestamps are compared as "set now" or "as before".
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import westlake_feedback.moderation  # noqa: F401  (first: clusters.staff and moderation import each other)
from helpers import make_comment
from westlake_feedback.accounts.models import User
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.clusters import staff
from westlake_feedback.clusters.models import CommentCluster
from westlake_feedback.clusters.staff import ClusterAction, ClusterResult
from westlake_feedback.comments.models import Comment, CommentStatus
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.moderation.decisions import set_decision
from westlake_feedback.moderation.models import Decision
from westlake_feedback.moderation.services import approve, mark_spam, reject
from westlake_feedback.pagecache.version import ContentVersion
from westlake_feedback.timeutil import now_utc

SLUG = "xihu-2023-demo"
RESPONSE = "已吸纳充电车棚的建议,楼道内不设充电点。"
# (clause number, status, rejection reason, rejection note, decision (outcome, response) or None)
MEMBERS = [
    (12, "pending", None, None, None),
    (12, "pending", None, None, ("partly_adopted", RESPONSE)),
    (12, "approved", None, None, ("adopted", RESPONSE)),
    (3, "rejected", "duplicate", None, ("partly_adopted", "旧的答复。")),
    (3, "spam", None, None, None),
    (None, "pending", None, None, None),
    (3, "approved", None, None, None),
    (12, "rejected", "other", "与本条无关。", ("not_adopted", "不采纳。")),
]


def _actor(role: str = "moderator") -> User:
    return db.session.scalar(select(User).where(User.email == f"{role}@xihu.example"))


def build_cluster() -> tuple[list[int], list[int]]:
    """The cluster's members (the first is its first comment) and two comments outside it."""
    ids = []
    for n, (clause, status, reason, note, _decision) in enumerate(MEMBERS):
        ids.append(make_comment(SLUG, clause, body=f"楼道充电点的意见，第{n}份。", status=status,
                                rejection_reason=reason, rejection_note=note))
    outside = [make_comment(SLUG, 12, body="另一条意见。"), make_comment(SLUG, 12, body="已公开的另一条。", status="approved")]
    consultation_id = db.session.get(Comment, ids[0]).consultation_id
    db.session.add(CommentCluster(id=ids[0], consultation_id=consultation_id, size=len(ids)))
    db.session.flush()
    for comment_id in ids:
        db.session.get(Comment, comment_id).cluster_id = ids[0]
    for comment_id in outside:
        db.session.add(CommentCluster(id=comment_id, consultation_id=consultation_id, size=1))
        db.session.flush()
        db.session.get(Comment, comment_id).cluster_id = comment_id
    earlier = now_utc().replace(year=2025)
    for comment_id, (*_rest, decision) in zip(ids, MEMBERS):
        if decision:
            db.session.add(Decision(comment_id=comment_id, outcome=decision[0], response=decision[1],
                                    decided_by_id=_actor("admin").id, decided_at=earlier, created_at=earlier))
    db.session.commit()
    return ids, outside


def per_comment(cluster: CommentCluster, act: ClusterAction, actor: User, rest: bool = False) -> ClusterResult:
    """The cluster action the plain way: each member alone through the per-comment services."""
    act = act.checked()
    result = ClusterResult()
    query = select(Comment).where(Comment.cluster_id == cluster.id).order_by(Comment.id)
    if rest:
        query = query.where(~select(Decision.id).where(Decision.comment_id == Comment.id).exists())
    for comment in db.session.scalars(query):
        result.members += 1
        action = act.action
        if rest and action and comment.status != CommentStatus.PENDING.value:
            action = None  # as apply_to_rest: a member someone moderated keeps its status
        if action == "approve":
            result.moderated += approve(comment, actor)
        elif action == "reject":
            result.moderated += reject(comment, actor, act.reason, act.note)
        elif action == "spam":
            result.moderated += mark_spam(comment, actor)
        if act.outcome:
            result.decided += set_decision(comment, actor, act.outcome, act.response)
    db.session.flush()
    return result


def snapshot(ids: list[int], before: dict | None = None) -> dict:
    """Everything a cluster action may change, read with plain statements (not the session's
    objects); with `before`, timestamps and decision ids become "kept" or "new"."""
    comments = {row.id: row for row in db.session.execute(select(Comment.__table__).where(Comment.id.in_(ids)))}
    decisions = {row.comment_id: row for row in db.session.execute(
        select(Decision.__table__).where(Decision.comment_id.in_(ids)))}
    consultation_id = comments[ids[0]].consultation_id
    state = {
        "comments": {i: (c.status, c.rejection_reason, c.rejection_note, c.moderated_by_id, c.moderated_at)
                     for i, c in comments.items()},
        "decisions": {i: (d.id, d.outcome, d.response, d.decided_by_id, d.decided_at, d.created_at)
                      for i, d in decisions.items()},
        "clause_counts": dict(db.session.execute(select(Clause.number, Clause.approved_count)
                                                 .where(Clause.consultation_id == consultation_id)).all()),
        "consultation_count": db.session.scalar(select(Consultation.approved_count)
                                                .where(Consultation.id == consultation_id)),
        "version": db.session.scalar(select(ContentVersion.version)),
        "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        "last_audit": db.session.scalar(select(func.max(AuditEntry.id))) or 0,
    }
    if before is None:
        return state
    entries = db.session.execute(select(AuditEntry.__table__).where(AuditEntry.id > before["last_audit"])
                                 .order_by(AuditEntry.id)).all()
    # Each comment's history in the order it was written (what its page shows, moderation/history.py).
    state["audit"] = [
        (e.action, e.actor_id, e.actor_email, e.target_type, e.target_id, e.summary, e.changes, e.ip_hash)
        for e in sorted(entries, key=lambda e: int(e.target_id))
    ]
    del state["last_audit"]

    def when(value, old):
        return "kept" if value == old else ("new" if value is not None else None)

    state["comments"] = {i: (*c[:3], c[3], when(c[4], before["comments"][i][4])) for i, c in state["comments"].items()}
    old_decisions = before["decisions"]
    state["decisions"] = {
        i: ("kept" if i in old_decisions and d[0] == old_decisions[i][0] else "new", d[1], d[2], d[3],
            when(d[4], old_decisions.get(i, (None,) * 6)[4]), when(d[5], old_decisions.get(i, (None,) * 6)[5]))
        for i, d in state["decisions"].items()
    }
    return state


@pytest.fixture
def scenario(seeded, staff):
    with seeded.app_context():
        ids, outside = build_cluster()
    return ids, outside


def test_pinned_approve_and_decide(seeded, scenario):
    """Today's outcome of 审核通过 + 部分采纳 for the cluster, written out row by row."""
    ids, outside = scenario
    with seeded.app_context():
        actor = _actor()
        before = snapshot(ids + outside)
        result = staff.apply_to_cluster(db.session.get(CommentCluster, ids[0]),
                                        ClusterAction("approve", outcome="partly_adopted", response=RESPONSE), actor)
        db.session.commit()
        after = snapshot(ids + outside, before)
        codes = dict(db.session.execute(select(Comment.id, Comment.receipt_code).where(Comment.id.in_(ids))).all())
        me = (actor.id, actor.email, "comments")
    assert (result.members, result.moderated, result.decided) == (8, 6, 7)
    actor_id = me[0]
    assert after["comments"] == {
        ids[0]: ("approved", None, None, actor_id, "new"),
        ids[1]: ("approved", None, None, actor_id, "new"),
        ids[2]: ("approved", None, None, None, "kept"),  # already approved: untouched
        ids[3]: ("approved", None, None, actor_id, "new"),
        ids[4]: ("approved", None, None, actor_id, "new"),
        ids[5]: ("approved", None, None, actor_id, "new"),
        ids[6]: ("approved", None, None, None, "kept"),
        ids[7]: ("approved", None, None, actor_id, "new"),
        outside[0]: ("pending", None, None, None, "kept"),
        outside[1]: ("approved", None, None, None, "kept"),
    }
    decided = ("partly_adopted", RESPONSE, actor_id, "new")
    admin_id = before["decisions"][ids[1]][3]
    assert after["decisions"] == {
        ids[0]: ("new", *decided, "new"),
        ids[1]: ("kept", "partly_adopted", RESPONSE, admin_id, "kept", "kept"),  # the same decision: untouched
        ids[2]: ("kept", *decided, "kept"),  # another outcome: the row is updated
        ids[3]: ("kept", *decided, "kept"),  # another response
        ids[4]: ("new", *decided, "new"),
        ids[5]: ("new", *decided, "new"),
        ids[6]: ("new", *decided, "new"),
        ids[7]: ("kept", *decided, "kept"),
    }

    def changes(**fields) -> str:
        return json.dumps(fields, ensure_ascii=False)

    new_decision = changes(outcome=[None, "partly_adopted"], response=[None, RESPONSE])
    assert after["audit"] == [
        ("approve", *me, str(ids[0]), codes[ids[0]], changes(status=["pending", "approved"]), None),
        ("decision", *me, str(ids[0]), f"{codes[ids[0]]} partly_adopted", new_decision, None),
        ("approve", *me, str(ids[1]), codes[ids[1]], changes(status=["pending", "approved"]), None),
        ("decision", *me, str(ids[2]), f"{codes[ids[2]]} partly_adopted",
         changes(outcome=["adopted", "partly_adopted"]), None),
        ("approve", *me, str(ids[3]), codes[ids[3]],
         changes(status=["rejected", "approved"], rejection_reason=["duplicate", None]), None),
        ("decision", *me, str(ids[3]), f"{codes[ids[3]]} partly_adopted", changes(response=["旧的答复。", RESPONSE]), None),
        ("approve", *me, str(ids[4]), codes[ids[4]], changes(status=["spam", "approved"]), None),
        ("decision", *me, str(ids[4]), f"{codes[ids[4]]} partly_adopted", new_decision, None),
        ("approve", *me, str(ids[5]), codes[ids[5]], changes(status=["pending", "approved"]), None),
        ("decision", *me, str(ids[5]), f"{codes[ids[5]]} partly_adopted", new_decision, None),
        ("decision", *me, str(ids[6]), f"{codes[ids[6]]} partly_adopted", new_decision, None),
        ("approve", *me, str(ids[7]), codes[ids[7]],
         changes(status=["rejected", "approved"], rejection_reason=["other", None],
                 rejection_note=["与本条无关。", None]), None),
        ("decision", *me, str(ids[7]), f"{codes[ids[7]]} partly_adopted",
         changes(outcome=["not_adopted", "partly_adopted"], response=["不采纳。", RESPONSE]), None),
    ]
    # Six more approved: four on clause 12 (ids 0, 1, 7; the outside one was already), two on 3, one on the draft.
    assert after["clause_counts"][12] == before["clause_counts"][12] + 3
    assert after["clause_counts"][3] == before["clause_counts"][3] + 2
    assert after["consultation_count"] == before["consultation_count"] + 6
    assert {k: v for k, v in after["clause_counts"].items() if k not in (3, 12)} == \
        {k: v for k, v in before["clause_counts"].items() if k not in (3, 12)}
    assert after["version"] == before["version"] + 1  # the page cache: one bump for the transaction
    assert after["outbox"] == before["outbox"] == 0  # no mail on this path


ACTS = {
    "approve + decision": ClusterAction("approve", outcome="partly_adopted", response=RESPONSE),
    "reject other + decision": ClusterAction("reject", "other", "楼道充电点另行研究。", "not_adopted", "不采纳。"),
    "reject duplicate only": ClusterAction("reject", "duplicate"),
    "spam only": ClusterAction("spam"),
    "decision only, no response": ClusterAction(outcome="adopted"),
    "the decision some members have": ClusterAction(outcome="partly_adopted", response=RESPONSE),
}


def _compare(app, ids: list[int], outside: list[int], run_reference, run_service):
    """The same transaction twice, rolled back in between: per member, then the cluster service."""
    with app.app_context():
        before = snapshot(ids + outside)
        expected_result = run_reference()
        expected = snapshot(ids + outside, before)
        db.session.rollback()
        assert snapshot(ids + outside) == before
        result = run_service()
        db.session.commit()
        got = snapshot(ids + outside, before)
    assert got == expected
    assert (result.members, result.moderated, result.decided) == \
        (expected_result.members, expected_result.moderated, expected_result.decided)
    return expected


@pytest.mark.parametrize("name", ACTS)
def test_the_cluster_service_gives_the_rows_of_each_member_handled_alone(seeded, scenario, name):
    ids, outside = scenario
    act = ACTS[name]

    def cluster():
        return db.session.get(CommentCluster, ids[0])

    expected = _compare(seeded, ids, outside, lambda: per_comment(cluster(), act, _actor()),
                        lambda: staff.apply_to_cluster(cluster(), act, _actor()))
    assert expected["audit"], "each of these acts changes something"


def test_nothing_to_change_writes_nothing(seeded, scenario):
    ids, outside = scenario
    act = ACTS["approve + decision"]
    with seeded.app_context():
        staff.apply_to_cluster(db.session.get(CommentCluster, ids[0]), act, _actor())
        db.session.commit()
    expected = _compare(seeded, ids, outside, lambda: per_comment(db.session.get(CommentCluster, ids[0]), act, _actor()),
                        lambda: staff.apply_to_cluster(db.session.get(CommentCluster, ids[0]), act, _actor()))
    assert expected["audit"] == []


@pytest.mark.parametrize("first", ["approved", "rejected", "spam", "pending"])
def test_the_rest_gets_what_each_late_member_would_get_alone(seeded, scenario, first):
    """Late joiners (no decision): the first comment's status (only to those still pending) and
    its decision, as if each were handled alone; members with a decision are left alone."""
    ids, outside = scenario
    with seeded.app_context():
        comment = db.session.get(Comment, ids[0])
        comment.status = first
        comment.rejection_reason, comment.rejection_note = ("other", "另行研究。") if first == "rejected" else (None, None)
        db.session.add(Decision(comment_id=ids[0], outcome="explained", response="已作解释。"))
        db.session.commit()

    def cluster():
        return db.session.get(CommentCluster, ids[0])

    def reference():
        return per_comment(cluster(), staff.rest_action(staff.first_comment(cluster())), _actor(), rest=True)

    expected = _compare(seeded, ids, outside, reference, lambda: staff.apply_to_rest(cluster(), _actor()))
    assert {a[4] for a in expected["audit"] if a[0] == "decision"} == {str(i) for i in (ids[4], ids[5], ids[6])}


@pytest.mark.parametrize("name", ["approve + decision", "reject other + decision"])
def test_small_chunks_and_many_distinct_changes_give_the_same_rows(seeded, scenario, monkeypatch, name):
    """Chunks of three, and one old→new group per chunk by INSERT ... SELECT: the members of the
    other groups are written by the row-by-row statement, with the same result."""
    from westlake_feedback.clusters import bulk

    monkeypatch.setattr(bulk, "CHUNK", 3)
    monkeypatch.setattr(bulk, "GROUPS", 1)
    ids, outside = scenario
    act = ACTS[name]

    def cluster():
        return db.session.get(CommentCluster, ids[0])

    _compare(seeded, ids, outside, lambda: per_comment(cluster(), act, _actor()),
             lambda: staff.apply_to_cluster(cluster(), act, _actor()))
