"""Adoption decisions (采纳情况) per comment, summary responses per clause, and the queries the
意见采纳情况 report is built from. Decisions may be recorded during and after the window."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit.services import diff, record
from ..comments.forms import normalise_text
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Clause, Consultation
from ..extensions import db
from ..feedback.models import UNDECIDED, FeedbackTally
from ..timeutil import now_utc
from .models import ClauseResponse, Decision, DecisionOutcome
from .services import ModerationError

RESPONSE_MAX = 2000
CLAUSE_RESPONSE_MAX = 4000
# Spam is not an opinion; everything else (published or not) is answered in the report.
REPORTED_STATUSES = (CommentStatus.PENDING.value, CommentStatus.APPROVED.value, CommentStatus.REJECTED.value)


def check_decision(outcome: str | None, response: str | None) -> tuple[str, str]:
    if outcome not in {o.value for o in DecisionOutcome}:
        raise ModerationError(_l("请从列表中选择采纳情况。"))
    response = normalise_text(response)
    if not response and outcome != DecisionOutcome.ADOPTED.value:
        raise ModerationError(_l("选择“%(outcome)s”时,请填写答复说明。", outcome=DecisionOutcome(outcome).label))
    if len(response) > RESPONSE_MAX:
        raise ModerationError(_l("答复说明不能超过%(max)d个字。", max=RESPONSE_MAX))
    return outcome, response


def set_decision(comment: Comment, actor: User, outcome: str | None, response: str | None) -> bool:
    outcome, response = check_decision(outcome, response)
    decision = comment.decision
    before = {"outcome": decision.outcome, "response": decision.response} if decision else {}
    changes = diff(before, {"outcome": outcome, "response": response})
    if not changes:
        return False
    if decision is None:
        decision = Decision(comment=comment)
        db.session.add(decision)
    decision.outcome, decision.response = outcome, response
    decision.decided_by_id = actor.id
    decision.decided_at = now_utc()
    record("decision", target=comment, summary=f"{comment.receipt_code} {outcome}", changes=changes, actor=actor)
    return True


def clause_response_for(clause: Clause) -> ClauseResponse | None:
    return db.session.scalar(select(ClauseResponse).where(ClauseResponse.clause_id == clause.id))


def set_clause_response(clause: Clause, actor: User, text: str | None) -> bool:
    """Save the clause's summary response; an empty text removes it."""
    text = normalise_text(text)
    if len(text) > CLAUSE_RESPONSE_MAX:
        raise ModerationError(_l("条款答复不能超过%(max)d个字。", max=CLAUSE_RESPONSE_MAX))
    current = clause_response_for(clause)
    changes = diff({"text": current.text if current else None}, {"text": text or None})
    if not changes:
        return False
    if not text:
        db.session.delete(current)
    else:
        if current is None:
            current = ClauseResponse(clause=clause)
            db.session.add(current)
        current.text = text
        current.updated_by_id = actor.id
        current.updated_at = now_utc()
    record("clause_response", target=clause, summary=f"{clause.consultation.slug} #{clause.number}",
           changes=changes, actor=actor)
    return True


# Report queries ------------------------------------------------------------

def comments_with_decisions(consultation: Consultation, statuses=REPORTED_STATUSES, clause: Clause | None = None
                            ) -> Select:
    """Rows of (Comment, Decision | None, Clause | None) in clause order: comments on the whole
    draft first, then by clause position, each clause's comments in the order they arrived."""
    query = (
        select(Comment, Decision, Clause)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .outerjoin(Clause, Comment.clause_id == Clause.id)
        .where(Comment.consultation_id == consultation.id, Comment.status.in_(statuses))
        .order_by(Clause.position.asc().nulls_first(), Comment.created_at.asc(), Comment.id.asc())
    )
    return query.where(Comment.clause_id == clause.id) if clause is not None else query


def clause_responses(consultation: Consultation) -> Select:
    return (
        select(ClauseResponse)
        .join(Clause, ClauseResponse.clause_id == Clause.id)
        .where(Clause.consultation_id == consultation.id)
        .order_by(Clause.position)
    )


def clause_overview(consultation: Consultation) -> Select:
    """Rows of (Clause, opinions, decided, has_summary_response) for every clause, in draft order;
    opinions leave spam out, as the report does. One query, over the stored tallies (a few rows per
    clause) rather than the comments, so it costs the same at 100 comments as at 100,000."""
    counted = (
        select(FeedbackTally.clause_id, func.sum(FeedbackTally.count).label("opinions"),
               func.sum(case((FeedbackTally.outcome != UNDECIDED, FeedbackTally.count), else_=0)).label("decided"))
        .where(FeedbackTally.consultation_id == consultation.id, FeedbackTally.status.in_(REPORTED_STATUSES),
               FeedbackTally.clause_id.is_not(None))
        .group_by(FeedbackTally.clause_id)
        .subquery()
    )
    return (
        select(Clause, func.coalesce(counted.c.opinions, 0), func.coalesce(counted.c.decided, 0),
               ClauseResponse.id.is_not(None))
        .outerjoin(counted, counted.c.clause_id == Clause.id)
        .outerjoin(ClauseResponse, ClauseResponse.clause_id == Clause.id)
        .where(Clause.consultation_id == consultation.id)
        .options(selectinload(Clause.section))
        .order_by(Clause.position)
    )


@dataclass
class ClauseDecisions:
    clause: Clause | None  # None: comments on the whole draft
    response: ClauseResponse | None = None
    items: list[tuple[Comment, Decision | None]] = field(default_factory=list)

    @property
    def undecided(self) -> int:
        return sum(1 for _comment, decision in self.items if decision is None)


def decisions_by_clause(consultation: Consultation, statuses=REPORTED_STATUSES) -> list[ClauseDecisions]:
    """Per clause that has comments or a summary response, in clause order."""
    responses = {r.clause_id: r for r in db.session.scalars(clause_responses(consultation))}
    groups: dict[int | None, ClauseDecisions] = {}
    for comment, decision, clause in db.session.execute(comments_with_decisions(consultation, statuses)):
        key = clause.id if clause else None
        if key not in groups:
            groups[key] = ClauseDecisions(clause, responses.get(key))
        groups[key].items.append((comment, decision))
    for clause_id, response in responses.items():
        groups.setdefault(clause_id, ClauseDecisions(response.clause, response))
    return sorted(groups.values(), key=lambda g: -1 if g.clause is None else g.clause.position)
