"""Load a report's input from the database: plain rows streamed from one Core select.

No ORM object is made per comment: the select names only the columns the report uses, joins the
adoption decision, and streams rows in batches (`yield_per`); clauses and sections (a few hundred
at most) are looked up in dictionaries. To add a figure (say, cluster counts per clause), add a
field to `data.ReportInput`, fill it here with one more query (a GROUP BY, not a row per comment),
and read it in `data.compute`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..comments.models import Comment
from ..consultations.models import Clause, Consultation
from ..extensions import db
from ..timeutil import now_utc
from .data import ClauseInfo, ClauseResponseInfo, ReportComment, ReportInput, SectionInfo

BATCH = 5000


def participant_key_of(ref: str | None, *identifiers: str | None) -> str | None:
    """Who wrote it, as far as we can tell: email, phone, IP, name (in that order); after the
    privacy purge removed those, the pseudonym it left in their place."""
    if ref:
        return ref
    for value in identifiers:
        if value:
            return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:24]
    return None


def participant_key(comment: Comment) -> str | None:
    return participant_key_of(comment.participant_ref, comment.email, comment.phone, comment.ip_hash, comment.name)


def _comment_rows(consultation: Consultation, round_number: int | None = None):
    from ..moderation.models import Decision

    query = (
        select(Comment.receipt_code, Comment.clause_id, Comment.stance, Comment.identity_type, Comment.channel,
               Comment.status, Comment.created_at, Comment.body, Comment.published_body, Comment.participant_ref,
               Comment.email, Comment.phone, Comment.ip_hash, Comment.name, Decision.outcome, Decision.response,
               Comment.cluster_id, Comment.round_number)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.created_at, Comment.id)
        .execution_options(yield_per=BATCH)
    )
    if round_number is not None:
        query = query.where(Comment.round_number == round_number)
    return db.session.execute(query)


def deleted_clause_key(round_number: int, clause_number: int) -> int:
    """The report's clause number for a clause a later round deleted: negative, so it never meets a
    current clause's number; its label says which round and clause it was."""
    return -(round_number * 100_000 + clause_number)


def _deleted_clauses(ids) -> dict:
    """Clause id -> where, for the clauses of earlier rounds that a revision deleted (one query)."""
    if not ids:
        return {}
    rows = db.session.scalars(select(Clause).where(Clause.id.in_(ids))
                              .options(selectinload(Clause.section), selectinload(Clause.round)))
    return {c.id: (c.section.number if c.section else None, c.section.heading if c.section else None,
                   deleted_clause_key(c.round.number, c.number), f"第{c.round.number}轮{c.label}",
                   f"{c.title}（修改稿已删除）") for c in rows}


def load_report_input(consultation: Consultation, version: int, at: datetime | None = None,
                      round_number: int | None = None) -> ReportInput:
    from ..moderation.models import ClauseResponse  # noqa: F401  (Clause.response)

    clauses = db.session.scalars(
        select(Clause).where(Clause.consultation_id == consultation.id)
        .options(selectinload(Clause.section), selectinload(Clause.response)).order_by(Clause.position)
    ).all()
    by_id = {clause.id: clause for clause in clauses}
    none = (None, None, None, None, None)
    where = {  # clause id -> (section number, section heading, clause number, label, title)
        clause.id: (clause.section.number if clause.section else None, clause.section.heading if clause.section else None,
                    clause.number, clause.label, clause.title)
        for clause in by_id.values()
    }
    if consultation.current_round > 1:  # comments on earlier rounds count on the clause they became
        from ..rounds.services import current_successors

        successors = current_successors(consultation)
        for old_id, new_id in successors.items():
            if new_id in where:
                where[old_id] = where[new_id]
        # A clause the revision deleted: its comments stay on it (round n, clause k), not on the whole draft.
        where.update(_deleted_clauses([old_id for old_id, new_id in successors.items() if new_id is None]))
    comments = []
    for (code, clause_id, stance, identity, channel, status, created_at, body, published, ref, email, phone,
         ip_hash, name, outcome, response, cluster_id, round_number_of) in _comment_rows(consultation, round_number):
        section_number, section_heading, clause_number, label, title = where.get(clause_id, none)
        comments.append(ReportComment(
            receipt_code=code, section_number=section_number, section_heading=section_heading,
            clause_number=clause_number, clause_label=label, clause_title=title, stance=stance,
            identity_type=identity, channel=channel, status=status, created_at=created_at,
            body=published if published is not None else body,
            name_public=None,  # no commenter agreed to have a name published
            decision=outcome, response=(response or "") if outcome else "",
            participant_key=participant_key_of(ref, email, phone, ip_hash, name),
            cluster_id=cluster_id, round_number=round_number_of,
        ))
    return ReportInput(
        title=consultation.title,
        slug=consultation.slug,
        issuer=consultation.issuer,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        generated_at=at or now_utc(),
        version=version,
        sections=[SectionInfo(s.number, s.label, s.heading, s.lead_department) for s in consultation.sections],
        clauses=[ClauseInfo(c.number, c.label, c.title, c.section.number if c.section else None) for c in clauses],
        clause_responses=[ClauseResponseInfo(c.number, c.response.text) for c in clauses if c.response],
        comments=comments,
        tag_counts=tag_counts(consultation, round_number=round_number),
        round_number=round_number,
    )


def tag_counts(consultation: Consultation, excluded: tuple[str, ...] = ("spam",),
               round_number: int | None = None) -> list[tuple[str, str, int, int]]:
    """(name, description, counted comments, distinct opinions) per codebook tag, by name: one GROUP BY.
    With `round_number`, only the comments made on that round count (as for the rest of the report);
    every tag is still listed, with zeros."""
    from sqlalchemy import func

    from ..tags.models import CommentTag, Tag

    opinion = func.coalesce(Comment.cluster_id, -Comment.id)  # unclustered: an opinion of its own
    counted = (Comment.id == CommentTag.comment_id) & Comment.status.not_in(excluded)
    if round_number is not None:
        counted &= Comment.round_number == round_number
    rows = db.session.execute(
        select(Tag.name, Tag.description, func.count(Comment.id), func.count(opinion.distinct()))
        .outerjoin(CommentTag, CommentTag.tag_id == Tag.id)
        .outerjoin(Comment, counted)
        .where(Tag.consultation_id == consultation.id)
        .group_by(Tag.id, Tag.name, Tag.description).order_by(Tag.name)
    )
    return [(name, description or "", int(n), int(d)) for name, description, n, d in rows]
