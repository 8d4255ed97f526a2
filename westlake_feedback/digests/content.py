"""What one digest says, read from the database with a fixed number of queries.

Every comment a digest claimed is counted in it exactly once: the counts (in total, per stance,
per channel, per section and clause) come from GROUP BY queries over `comments.digest_id`, so they
cover all of them however many there are. Only the first `DIGEST_LIST_LIMIT` comments (in the
draft's order: the whole draft first, then clause by clause, oldest first) are written out in
full; the mail says how many more each clause holds and links to them in the moderation queue.
A digest of 10,000 comments is therefore a summary of a few hundred kilobytes, built in the same
handful of queries as one of ten.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..comments.models import Channel, Comment, Stance
from ..consultations.models import Clause, Consultation, Section
from ..extensions import db
from ..mail.services import absolute_url

WHOLE_DRAFT = 0  # the moderation queue's clause filter for comments on the whole draft


@dataclass
class ClauseGroup:
    clause: Clause | None  # None: comments on the whole draft
    comments: list[Comment]  # the ones written out in full (the digest's limit spread over the groups)
    count: int = -1  # every comment of the digest on this clause; -1: as many as listed
    queue_url: str = ""

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.comments)

    @property
    def unlisted(self) -> int:
        return self.count - len(self.comments)


@dataclass
class SectionGroup:
    section: Section | None
    clauses: list[ClauseGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(group.count for group in self.clauses)


@dataclass
class DigestContent:
    count: int  # every comment the digest claimed
    comments: list[Comment]  # the listed ones, in the order they appear
    groups: list[SectionGroup]
    stances: list[tuple[str, int]]
    channels: list[tuple[str, int]]
    joined: int = 0  # of `count`, how many joined a cluster that existed before them (clusters/)

    @property
    def unlisted(self) -> int:
        return self.count - len(self.comments)


def labelled_counts(counter: Counter | dict, enum) -> list[tuple[str, int]]:
    return [(member.label, counter.get(member.value, 0)) for member in enum]


def _counts(digest_id: int, column) -> dict:
    query = select(column, func.count()).where(Comment.digest_id == digest_id).group_by(column)
    return {key: count for key, count in db.session.execute(query)}


def _queue_url(consultation: Consultation, clause: Clause | None) -> str:
    number = clause.number if clause is not None else WHOLE_DRAFT
    return absolute_url("moderation.queue", slug=consultation.slug, clause=number, sort="oldest")


def group_clauses(consultation: Consultation, clauses: list[Clause | None], listed: dict, counts: dict
                  ) -> list[SectionGroup]:
    """Whole-draft comments first, then clause by clause in the draft's order; a new section group
    whenever the section changes."""
    groups: list[SectionGroup] = []
    ordered = sorted((c for c in clauses if c is not None), key=lambda clause: clause.position)
    if None in clauses:
        groups.append(SectionGroup(None, [ClauseGroup(None, listed.get(None, []), counts.get(None, -1),
                                                      _queue_url(consultation, None))]))
    whole = bool(groups)
    for clause in ordered:
        if len(groups) <= whole or groups[-1].section is not clause.section:
            groups.append(SectionGroup(clause.section))
        groups[-1].clauses.append(ClauseGroup(clause, listed.get(clause.id, []), counts.get(clause.id, -1),
                                              _queue_url(consultation, clause)))
    return groups


def digest_content(consultation: Consultation, digest_id: int, limit: int | None = None) -> DigestContent:
    """The digest's counts and its first `limit` comments (DIGEST_LIST_LIMIT), in seven queries."""
    limit = current_app.config["DIGEST_LIST_LIMIT"] if limit is None else limit
    per_clause = _counts(digest_id, Comment.clause_id)
    stances = _counts(digest_id, Comment.stance)
    channels = _counts(digest_id, Comment.channel)
    comments = db.session.scalars(
        select(Comment)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .where(Comment.digest_id == digest_id)
        .order_by(case((Comment.clause_id.is_(None), 0), else_=1), Clause.position, Comment.created_at, Comment.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    ).all()
    # A cluster's id is its first comment's id: a comment whose cluster is not its own joined one
    # that an earlier comment started (also when it bridged two older clusters into one).
    joined = db.session.scalar(select(func.count()).where(
        Comment.digest_id == digest_id, Comment.cluster_id.is_not(None), Comment.cluster_id != Comment.id))
    clause_ids = [key for key in per_clause if key is not None]
    clauses = {
        clause.id: clause for clause in db.session.scalars(
            select(Clause).where(Clause.id.in_(clause_ids)).options(selectinload(Clause.section))
        )
    } if clause_ids else {}
    listed: dict = {}
    for comment in comments:
        listed.setdefault(comment.clause_id, []).append(comment)
    present = [None] * (None in per_clause) + [clauses[key] for key in clause_ids if key in clauses]
    return DigestContent(
        count=sum(per_clause.values()),
        comments=list(comments),
        groups=group_clauses(consultation, present, listed, per_clause),
        stances=labelled_counts(stances, Stance),
        channels=labelled_counts(channels, Channel),
        joined=joined or 0,
    )
