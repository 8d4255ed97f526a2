"""Putting comments into clusters of near-identical texts, as they arrive and all over again.

A comment joins the cluster of every earlier comment of its consultation found as a candidate
whose text has an exact shingle Jaccard >= CLUSTER_THRESHOLD with it (or with whose cluster's first
comment it has); when it matches several clusters they merge into the oldest (single linkage, so
the order copies arrive in hardly matters); with none, it starts a cluster of its own (id = its
own id). Candidates come from the LSH band keys: each band key of a
consultation remembers the first comment that had it (comment_cluster_bands), so finding the
candidates of a new comment is one lookup of at most `bands` primary-key rows, whatever the number
of comments, and no process keeps anything in memory between requests.

`rebuild` applies the same rule to every comment of a consultation in id order, so that clustering
as comments arrive and rebuilding give the same clusters (tests/clusters/).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from ..comments.models import Comment
from ..consultations.models import Consultation
from ..extensions import db
from ..pagecache.version import PRIVATE_STATEMENT
from .models import ClusterBand, CommentCluster

# Cluster membership is shown to staff only: writing it does not change any public page.
PRIVATE = {PRIVATE_STATEMENT: True}
from .signatures import Sketch, jaccard, normalise, shingles

BATCH = 5000  # rows per INSERT/UPDATE batch in a rebuild


def threshold() -> float:
    return check_threshold(current_app.config)


def check_threshold(config) -> float:
    try:
        value = float(config["CLUSTER_THRESHOLD"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"CLUSTER_THRESHOLD must be a number, not {config['CLUSTER_THRESHOLD']!r}") from error
    if not 0.3 <= value <= 0.95:  # datasketch needs two bands at least: 0.97 is its limit
        raise ValueError(f"CLUSTER_THRESHOLD must be between 0.3 and 0.95, not {value!r}")
    return value
    return value


def matching_clusters(
    own: frozenset[str], candidates: Iterable[tuple[int | None, str]], limit: float, cache: dict | None = None
) -> set[int]:
    """The clusters of the candidates (cluster id, normalised text) at or above `limit`."""
    found: set[int] = set()
    for cluster_id, text in candidates:
        if cluster_id is None or cluster_id in found:
            continue
        theirs = cache.get(text) if cache is not None else None
        if theirs is None:
            theirs = shingles(text)
            if cache is not None:
                cache[text] = theirs
        if jaccard(own, theirs) >= limit:
            found.add(cluster_id)
    return found


def _insert(table):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@lru_cache(maxsize=1)
def _first_comment():
    """The alias for a cluster's first comment, made once: building it costs milliseconds."""
    return aliased(Comment, name="first_comment")


@dataclass
class ClusterPlan:
    """What a new comment's clustering found before anything was written: its sketch and the
    earlier clusters it matches; `target` is the cluster it joins (None: it starts its own)."""

    sketch: Sketch
    matches: set[int]
    grows_by: int = 1  # the comment, and the members of clusters merged into the target
    locked: bool = False  # lock_for_merge has run in this transaction

    @property
    def target(self) -> int | None:
        return min(self.matches) if self.matches else None

    @property
    def merges(self) -> bool:
        return len(self.matches) > 1


class ClusterChanged(Exception):
    """A cluster the plan matched was merged into another after the plan was made: plan again."""


def lock_for_merge(plan: ClusterPlan) -> None:
    """Before a comment that merges clusters writes anything: lock every cluster it matched, lowest
    id first (FOR UPDATE; SQLite serialises writers anyway). Two copies of a campaign that bridge
    overlapping clusters then take them in one order and the second waits for the first, where
    without it each held rows the other needed (the comments it moved, the cluster row its new
    comment refers to) and PostgreSQL killed one with a deadlock. A cluster gone by the time its
    lock is granted was merged away by the first: ClusterChanged, and the caller plans again."""
    if not plan.merges or plan.locked:
        return
    wanted = sorted(plan.matches)
    locked = db.session.scalars(
        select(CommentCluster.id).where(CommentCluster.id.in_(wanted)).order_by(CommentCluster.id)
        .with_for_update()
    ).all()
    if list(locked) != wanted:
        raise ClusterChanged(sorted(set(wanted) - set(locked)))
    plan.locked = True


def plan_cluster(consultation_id: int, body: str) -> ClusterPlan:
    """The sketch and the matching clusters of a comment about to be stored. Read before the
    comment's INSERT, so that on SQLite the write lock (taken at the first write, held to the
    commit) covers only the writes: one SELECT of at most `bands` primary-key rows, whatever the
    number of comments. A copy stored by another request between this read and the commit may
    start a second cluster; the next copy that matches both joins them (see the module doc)."""
    limit = threshold()
    sketch = Sketch(body, limit)
    matches: set[int] = set()
    if sketch.keys:
        first = _first_comment()
        with db.session.no_autoflush:
            rows = db.session.execute(
                select(Comment.cluster_id, Comment.body, first.body)
                .join(ClusterBand, ClusterBand.comment_id == Comment.id)
                .outerjoin(first, first.id == Comment.cluster_id)
                .where(ClusterBand.consultation_id == consultation_id, ClusterBand.band_key.in_(sketch.keys))
            ).all()
        bodies = {(c, body) for c, body, _ in rows} | {(c, body) for c, _, body in rows if body is not None}
        candidates = [(c, normalise(body)) for c, body in sorted(bodies, key=lambda pair: (pair[0] or 0, pair[1]))]
        matches = matching_clusters(sketch.shingles, candidates, limit)
    return ClusterPlan(sketch, matches)


def assign_cluster(comment: Comment, plan: ClusterPlan | None = None) -> None:
    """Put a just-flushed comment (it has its id) into its cluster, in the caller's transaction:
    the cluster's row, the comment's cluster_id and its new band keys are written with the
    comment, so a stored comment always has its cluster. `plan` is `plan_cluster` of the comment,
    made before its INSERT (found now if not given)."""
    plan = join_cluster(comment, plan)
    count_into_cluster(plan)


def join_cluster(comment: Comment, plan: ClusterPlan | None = None) -> ClusterPlan:
    """assign_cluster without the target cluster's size, which `count_into_cluster(plan)` adds.
    A comment POST runs that last, just before its commit: in a campaign every copy adds to the
    same cluster row, and on PostgreSQL that row stays locked from its UPDATE to the commit."""
    plan = plan or plan_cluster(comment.consultation_id, comment.body)
    lock_for_merge(plan)  # unless the caller did, before its INSERT
    target, comments = plan.target, Comment.__table__
    if target is None:
        db.session.execute(CommentCluster.__table__.insert().values(
            id=comment.id, consultation_id=comment.consultation_id, size=1))
        target = comment.id
    others = sorted(plan.matches - {target})
    if others:  # the comment bridges clusters that grew apart: they become one, the oldest
        plan.grows_by += db.session.execute(
            update(Comment).where(Comment.cluster_id.in_(others)).values(cluster_id=target)
            .execution_options(synchronize_session=False, **PRIVATE)
        ).rowcount
        db.session.execute(delete(CommentCluster).where(CommentCluster.id.in_(others)))
    if comment.cluster_id != target:
        # Core, not the unit of work: an ORM flush of the one changed attribute costs more than the rest.
        db.session.execute(comments.update().where(comments.c.id == comment.id).values(cluster_id=target)
                           .execution_options(**PRIVATE))
        set_committed_value(comment, "cluster_id", target)
    if plan.sketch.keys:
        # executemany of one cached statement (a multi-row VALUES would be compiled every time)
        db.session.execute(_insert(ClusterBand.__table__).on_conflict_do_nothing(), [
            {"consultation_id": comment.consultation_id, "band_key": key, "comment_id": comment.id}
            for key in plan.sketch.keys
        ])
    return plan


def count_into_cluster(plan: ClusterPlan) -> None:
    """The joined cluster's size grows by the comment (and any clusters merged into it)."""
    if plan.target is not None:
        clusters = CommentCluster.__table__  # Core: the ORM's bulk UPDATE costs more than the write
        db.session.execute(clusters.update().where(clusters.c.id == plan.target)
                           .values(size=clusters.c.size + plan.grows_by))


@dataclass
class RebuildResult:
    comments: int
    clusters: int
    clustered: int  # comments in clusters of two or more


class _Forest:
    """Clusters in memory during a rebuild: merged clusters point to the oldest (union-find)."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, cluster_id: int) -> int:
        root = cluster_id
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[cluster_id] != root:
            self.parent[cluster_id], cluster_id = root, self.parent[cluster_id]
        return root


def rebuild(consultation: Consultation, progress: Callable[[int], None] | None = None) -> RebuildResult:
    """Cluster every comment of the consultation afresh, by the rule assign_cluster follows, in id
    order (idempotent: the same comments give the same clusters, with the same ids), and commit."""
    limit = threshold()
    cid = consultation.id
    db.session.execute(delete(ClusterBand).where(ClusterBand.consultation_id == cid))
    db.session.execute(update(Comment).where(Comment.consultation_id == cid).values(cluster_id=None)
                       .execution_options(synchronize_session=False, **PRIVATE))
    db.session.execute(delete(CommentCluster).where(CommentCluster.consultation_id == cid))

    owner: dict[int, int] = {}  # band key -> first comment with it
    texts: dict[int, str] = {}  # band owners and cluster founders -> normalised text
    cluster_of: dict[int, int] = {}
    forest = _Forest()
    cache: dict[str, frozenset[str]] = {}
    rows = db.session.execute(
        select(Comment.id, Comment.body).where(Comment.consultation_id == cid).order_by(Comment.id)
    ).all()
    for done, (comment_id, body) in enumerate(rows, start=1):
        sketch = Sketch(body, limit)
        candidates: set[tuple[int, str]] = set()
        for key in sketch.keys:
            if key in owner:
                other = owner[key]
                root = forest.find(cluster_of[other])
                candidates.add((root, texts[other]))
                candidates.add((root, texts[root]))
        matches = matching_clusters(sketch.shingles, sorted(candidates, key=lambda pair: pair[0]), limit, cache)
        if matches:
            target = min(matches)
            for other in matches:
                forest.parent[other] = target
        else:
            target = forest.parent[comment_id] = comment_id
            texts[comment_id] = sketch.text
        cluster_of[comment_id] = target
        for key in sketch.keys:
            if key not in owner:
                owner[key] = comment_id
                texts[comment_id] = sketch.text
        if len(cache) > 1000:
            cache.clear()
        if progress is not None and (done % 1000 == 0 or done == len(rows)):
            progress(done % 1000 or 1000)

    cluster_of = {member: forest.find(cluster) for member, cluster in cluster_of.items()}
    sizes = Counter(cluster_of.values())
    _bulk(CommentCluster.__table__.insert(),
          [{"id": c, "consultation_id": cid, "size": n} for c, n in sorted(sizes.items())])
    comments = Comment.__table__
    _bulk(comments.update().where(comments.c.id == bindparam("member")).values(cluster_id=bindparam("cluster")),
          [{"member": m, "cluster": c} for m, c in cluster_of.items() if m != c])
    # Every other comment founded its cluster (whose id is its own).
    db.session.execute(update(Comment).where(Comment.consultation_id == cid, Comment.cluster_id.is_(None))
                       .values(cluster_id=Comment.id).execution_options(synchronize_session=False, **PRIVATE))
    _bulk(ClusterBand.__table__.insert(),
          [{"consultation_id": cid, "band_key": k, "comment_id": c} for k, c in owner.items()])
    db.session.commit()
    return RebuildResult(len(rows), len(sizes), sum(n for n in sizes.values() if n > 1))


def _bulk(statement, params: list[dict]) -> None:
    for start in range(0, len(params), BATCH):
        db.session.execute(statement, params[start:start + BATCH])


# Queries -----------------------------------------------------------------

def cluster_info(comment_ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
    """comment id -> (cluster_id, cluster_size) for the given comments (None, None when a comment
    has no cluster yet: stored before clustering existed and not rebuilt). For exports and reports."""
    ids = sorted(set(comment_ids))
    found: dict[int, tuple[int | None, int | None]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        found.update({
            comment_id: (cluster_id, size)
            for comment_id, cluster_id, size in db.session.execute(
                select(Comment.id, Comment.cluster_id, CommentCluster.size)
                .outerjoin(CommentCluster, CommentCluster.id == Comment.cluster_id)
                .where(Comment.id.in_(chunk))
            )
        })
    return found


def cluster_counts(consultation: Consultation) -> tuple[int, int, int]:
    """(comments clustered, clusters, comments in clusters of two or more) of a consultation."""
    total, groups, repeated = db.session.execute(
        select(func.coalesce(func.sum(CommentCluster.size), 0), func.count(),
               func.coalesce(func.sum(CommentCluster.size).filter(CommentCluster.size > 1), 0))
        .where(CommentCluster.consultation_id == consultation.id)
    ).one()
    return int(total), int(groups), int(repeated)
