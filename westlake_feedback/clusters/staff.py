"""Staff work on a whole cluster: its page's queries, and one moderation action and one decision
applied to every member (clusters/bulk.py: set-based statements a chunk of members at a time, which
leave each member the same status change, decision row and audit entries as the per-comment
services in moderation/services.py and moderation/decisions.py would). The caller commits (one
transaction for the whole cluster).

A cluster's decision is the decision of its first comment (the one its members are compared
with). A comment that joins the cluster afterwards has no decision row: `apply_to_rest` gives it
the first comment's status and decision.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Consultation
from ..extensions import db
from ..moderation.decisions import check_decision
from ..moderation.models import Decision
from ..moderation.services import BULK_ACTIONS, ModerationError, check_rejection
from .bulk import apply_to_members
from .models import CommentCluster

MEMBERS_PER_PAGE = 50
LIST_PER_PAGE = 50


@dataclass(frozen=True)
class ClusterAction:
    """What to do to every member: a moderation action (or None) and a decision (or None)."""

    action: str | None = None  # one of BULK_ACTIONS
    reason: str | None = None
    note: str | None = None
    outcome: str | None = None
    response: str = ""

    def checked(self) -> ClusterAction:
        """The same action with its reason, note and response cleaned, or ModerationError."""
        if not self.action and not self.outcome:
            raise ModerationError(_l("请选择审核操作或采纳情况(至少一项)。"))
        if self.action and self.action not in BULK_ACTIONS:
            raise ModerationError(_l("请选择要执行的操作。"))
        reason, note = (check_rejection(self.reason, self.note) if self.action == "reject" else (None, None))
        outcome, response = check_decision(self.outcome, self.response) if self.outcome else (None, "")
        return ClusterAction(self.action, reason, note, outcome, response)


@dataclass
class ClusterResult:
    members: int = 0
    moderated: int = 0  # members whose status changed
    decided: int = 0  # members whose decision was written or changed


def cluster_of(consultation: Consultation, cluster_id: int) -> CommentCluster | None:
    return db.session.scalar(select(CommentCluster).where(
        CommentCluster.id == cluster_id, CommentCluster.consultation_id == consultation.id))


def apply_to_cluster(cluster: CommentCluster, act: ClusterAction, actor: User) -> ClusterResult:
    """The action and decision for every member of the cluster, in the caller's transaction."""
    act = act.checked()
    result = ClusterResult()
    apply_to_members(cluster.id, act, actor, result)
    return result


def first_comment(cluster: CommentCluster) -> Comment | None:
    return db.session.scalar(select(Comment).where(Comment.id == cluster.id)
                             .options(selectinload(Comment.decision), selectinload(Comment.clause)))


def rest_action(first: Comment | None) -> ClusterAction | None:
    """What the members joined later get: the first comment's status (unless it is pending) and its
    decision. None when the first comment has no decision yet (nothing to apply)."""
    if first is None or first.decision is None:
        return None
    status = first.status
    action = {CommentStatus.APPROVED.value: "approve", CommentStatus.REJECTED.value: "reject",
              CommentStatus.SPAM.value: "spam"}.get(status)
    return ClusterAction(action, first.rejection_reason, first.rejection_note, first.decision.outcome,
                         first.decision.response)


def _undecided():
    return ~select(Decision.id).where(Decision.comment_id == Comment.id).correlate(Comment).exists()


def apply_to_rest(cluster: CommentCluster, actor: User) -> ClusterResult:
    """The first comment's status and decision for the members that have no decision (joined after
    the cluster was decided); members already decided are left as they are."""
    act = rest_action(first_comment(cluster))
    if act is None:
        raise ModerationError(_l("本组首条意见还没有采纳情况,请先对整组作出决定。"))
    act = act.checked()
    result = ClusterResult()
    apply_to_members(cluster.id, act, actor, result, rest=True)
    return result


# Queries for the pages ----------------------------------------------------------------------

@dataclass
class ClusterSummary:
    size: int
    by_status: dict[str, int]
    decided: int

    @property
    def undecided(self) -> int:
        return self.size - self.decided


def summary(cluster: CommentCluster) -> ClusterSummary:
    """Members per status and how many have a decision: one statement along (cluster_id, id)."""
    rows = db.session.execute(
        select(Comment.status, func.count(Comment.id), func.count(Decision.id))
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.cluster_id == cluster.id).group_by(Comment.status)
    ).all()
    by_status = {status.value: 0 for status in CommentStatus}
    decided = 0
    for status, count, with_decision in rows:
        by_status[status] = count
        decided += with_decision
    return ClusterSummary(sum(by_status.values()), by_status, decided)


def members_page(cluster: CommentCluster, page: int) -> list[Comment]:
    return list(db.session.scalars(
        select(Comment).where(Comment.cluster_id == cluster.id).order_by(Comment.id)
        .limit(MEMBERS_PER_PAGE).offset((page - 1) * MEMBERS_PER_PAGE)
        .options(selectinload(Comment.decision), selectinload(Comment.clause))
    ))


def largest_clusters(consultation: Consultation, min_size: int = 2) -> Select:
    """Rows of (CommentCluster, first Comment, undecided members), largest first (ties: newest
    first), along (consultation_id, size, id)."""
    undecided = (select(func.count(Comment.id)).where(Comment.cluster_id == CommentCluster.id, _undecided())
                 .correlate(CommentCluster).scalar_subquery())
    return (
        select(CommentCluster, Comment, undecided)
        .join(Comment, Comment.id == CommentCluster.id)
        .where(CommentCluster.consultation_id == consultation.id, CommentCluster.size >= min_size)
        .order_by(CommentCluster.size.desc(), CommentCluster.id.desc())
        .options(selectinload(Comment.decision))
    )


def count_clusters(consultation: Consultation, min_size: int = 2) -> tuple[int, int]:
    """(clusters of at least min_size, comments in them)."""
    groups, members = db.session.execute(
        select(func.count(), func.coalesce(func.sum(CommentCluster.size), 0))
        .where(CommentCluster.consultation_id == consultation.id, CommentCluster.size >= min_size)
    ).one()
    return int(groups), int(members)


@dataclass(frozen=True)
class RowCluster:
    """What a queue row shows about its comment's cluster."""

    id: int
    size: int
    undecided: int  # members without a decision, counted only when the first comment has one
    first_decided: bool


def row_clusters(cluster_ids: set[int]) -> dict[int, RowCluster]:
    """The clusters of one queue page, in one statement: sizes, and for clusters of two or more
    whose first comment is decided, how many members still have no decision."""
    ids = sorted(i for i in cluster_ids if i is not None)
    if not ids:
        return {}
    first_decided = select(Decision.id).where(Decision.comment_id == CommentCluster.id).exists()
    undecided = (select(func.count(Comment.id)).where(Comment.cluster_id == CommentCluster.id, _undecided())
                 .correlate(CommentCluster).scalar_subquery())
    rows = db.session.execute(
        select(CommentCluster.id, CommentCluster.size, first_decided,
               func.coalesce(case((and_(CommentCluster.size > 1, first_decided), undecided)), 0))
        .where(CommentCluster.id.in_(ids))
    )
    return {cid: RowCluster(cid, size, int(rest), bool(decided)) for cid, size, decided, rest in rows}


def unclustered_exists(consultation: Consultation) -> bool:
    """Whether some comments were stored before clustering and not rebuilt since."""
    return db.session.scalar(select(select(Comment.id).where(
        Comment.consultation_id == consultation.id, Comment.cluster_id.is_(None)).exists())) or False
