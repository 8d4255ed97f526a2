"""The published feedback as the public pages, the admin preview and the API read it, at a cost
that does not grow with the number of comments:

- the summary (`build_report`): opinions received per clause and how they were answered, from the
  stored tallies (tallies.py: a few rows per clause, kept by every change) and the clauses; no
  comment is read, let alone counted;
- the entries of one clause (`clause_feedback_page`) or of the consultation (`entries_query`): a
  page of public comments with their decisions, read along an index, by keyset (`after=`, the
  position of the last entry shown) or by page number.

Privacy: an entry holds only a comment's public text (`public_body`, the redacted version if staff
made one), the decision, the office's response and, only where the commenter agreed
(`Comment.publish_name`), their name or organisation (`Comment.public_author`). Never a phone
number, email or receipt code. Only approved comments with a decision are entries; every opinion
received except spam is counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import selectinload

from ..comments.models import Comment, CommentStatus
from ..comments.paging import parse_cursor
from ..consultations.models import Clause, Consultation, ConsultationRound, RoundStatus, Section
from ..extensions import db
from ..moderation.models import Decision, DecisionOutcome
from .models import UNDECIDED, FeedbackTally

APPROVED = CommentStatus.APPROVED.value
SPAM = CommentStatus.SPAM.value
ALL = object()  # entries_query's scope: every clause and the whole document


def empty_outcomes() -> dict[str, int]:
    return {o.value: 0 for o in DecisionOutcome} | {UNDECIDED: 0}


def outcome_rows(outcomes: dict[str, int]) -> list[tuple[str, str, int]]:
    rows = [(o.value, o.label, outcomes[o.value]) for o in DecisionOutcome]
    return rows + [(UNDECIDED, _("尚未答复"), outcomes[UNDECIDED])]


@dataclass
class Tally:
    """Opinions received (every status but spam), their outcomes, and how many are public entries
    (approved, with a decision)."""

    received: int = 0
    outcomes: dict[str, int] = field(default_factory=empty_outcomes)
    entries: int = 0

    def add(self, outcome: str | None, status: str, count: int) -> None:
        self.received += count
        self.outcomes[outcome or UNDECIDED] += count
        if outcome and status == APPROVED:
            self.entries += count


@dataclass
class FeedbackEntry:
    """One public (approved) comment that has a decision."""

    comment_id: int
    text: str
    outcome: str
    outcome_label: str
    response: str
    author: str | None = None  # only with the commenter's consent
    cursor: str = ""  # its position, for the `after=` link of the next page


@dataclass
class ClauseFeedback:
    """The feedback on one clause, or on the whole document when `clause` is None."""

    clause: Clause | None
    tally: Tally
    response: str | None
    round_number: int | None = None  # the round of the clause, when there is more than one round (rounds/)

    @property
    def received(self) -> int:
        return self.tally.received

    @property
    def key(self) -> str:
        """Its anchor on the summary page (fc-<key>): "whole", "12", or "r1-12" for an earlier round's."""
        if self.clause is None:
            return "whole"
        return (f"r{self.round_number}-" if self.round_number else "") + str(self.clause.number)

    @property
    def heading(self) -> str:
        return self.clause.label + self.clause.title if self.clause is not None else _("针对整个文件")

    @property
    def outcome_rows(self) -> list[tuple[str, str, int]]:
        return outcome_rows(self.tally.outcomes)


@dataclass
class SectionFeedback:
    section: Section | None
    clauses: list[ClauseFeedback] = field(default_factory=list)
    round_number: int | None = None  # the round of its clauses, when there is more than one round


@dataclass
class FeedbackReport:
    consultation: Consultation
    received: int
    outcomes: dict[str, int]  # every DecisionOutcome value plus "undecided"
    whole_document: ClauseFeedback | None
    sections: list[SectionFeedback]
    texts_hidden: bool

    @property
    def outcome_rows(self) -> list[tuple[str, str, int]]:
        return outcome_rows(self.outcomes)


def _tally_rows(consultation: Consultation, clause=ALL) -> Select:
    """The stored tallies of the consultation (of one clause, or of the whole document: None) that
    count opinions: (clause id, outcome, status, count), a row per round."""
    query = (
        select(FeedbackTally.clause_id, FeedbackTally.outcome, FeedbackTally.status, FeedbackTally.count)
        .where(FeedbackTally.consultation_id == consultation.id, FeedbackTally.status != SPAM,
               FeedbackTally.count != 0)
    )
    if clause is ALL:
        return query
    return query.where(FeedbackTally.clause_id.is_(None) if clause is None else FeedbackTally.clause_id == clause.id)


def clause_tallies(consultation: Consultation) -> dict[int | None, Tally]:
    """Per clause id (None: the whole document), in one query of the stored tallies."""
    tallies: dict[int | None, Tally] = {}
    for clause_id, outcome, status, count in db.session.execute(_tally_rows(consultation)):
        tallies.setdefault(clause_id, Tally()).add(_decided(outcome), status, count)
    return tallies


def clause_tally(consultation: Consultation, clause: Clause | None) -> Tally:
    tally = Tally()
    for _clause_id, outcome, status, count in db.session.execute(_tally_rows(consultation, clause)):
        tally.add(_decided(outcome), status, count)
    return tally


def _decided(outcome: str) -> str | None:
    return None if outcome == UNDECIDED else outcome


def _on(consultation: Consultation, clause: Clause | None):
    if clause is None:  # the whole document (comments of every round)
        return Comment.clause_id.is_(None)
    return Comment.clause_id == clause.id


def _round_of(consultation: Consultation, clause: Clause | None) -> int | None:
    if consultation.current_round < 2 or clause is None:
        return None
    return clause.round.number if clause.round else consultation.current_round


def _clause_feedback(consultation: Consultation, clause: Clause | None, tally: Tally) -> ClauseFeedback:
    response = clause.response.text if clause is not None and clause.response is not None else None
    return ClauseFeedback(clause, tally, response, _round_of(consultation, clause))


def build_report(consultation: Consultation) -> FeedbackReport:
    """The summary: totals, and per clause the count received, the outcomes and the answer."""
    tallies = clause_tallies(consultation)
    total = Tally()
    for tally in tallies.values():
        total.received += tally.received
        total.entries += tally.entries
        for outcome, count in tally.outcomes.items():
            total.outcomes[outcome] += count
    # The clauses comments were made on: the current round's and, after a revision, those of the
    # earlier rounds (current round first, then the earlier ones, latest first; draft order within).
    clauses = sorted(db.session.scalars(
        select(Clause).where(Clause.id.in_([key for key in tallies if key is not None]))
        .options(selectinload(Clause.section), selectinload(Clause.response), selectinload(Clause.round))
    ), key=lambda c: (-(_round_of(consultation, c) or 0), c.position))
    sections: list[SectionFeedback] = []
    for clause in clauses:
        number = _round_of(consultation, clause)
        if not sections or sections[-1].section is not clause.section or sections[-1].round_number != number:
            sections.append(SectionFeedback(clause.section, round_number=number))
        sections[-1].clauses.append(_clause_feedback(consultation, clause, tallies[clause.id]))
    whole = _clause_feedback(consultation, None, tallies[None]) if None in tallies else None
    return FeedbackReport(
        consultation=consultation, received=total.received, outcomes=total.outcomes, whole_document=whole,
        sections=sections, texts_hidden=not consultation.show_approved_comments,
    )


def clause_of_round(consultation: Consultation, number: int, round_number: int | None = None) -> Select:
    """The clause `number` of the round `round_number` (the current round without it); of an earlier,
    published round only (comments are made on the current round)."""
    if round_number is None or round_number == consultation.current_round:
        return select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == number)
    return (
        select(Clause).join(ConsultationRound, ConsultationRound.id == Clause.round_id)
        .where(ConsultationRound.consultation_id == consultation.id, ConsultationRound.number == round_number,
               ConsultationRound.number < consultation.current_round,
               ConsultationRound.status == RoundStatus.PUBLISHED.value, Clause.number == number)
        .options(selectinload(Clause.round))
    )


def entries_query(consultation: Consultation, scope=ALL) -> Select:
    """Public entries, oldest first, as (Comment, Decision) rows: of one clause, of the whole
    document (scope None) or of everything (ALL). Along (clause_id, status, created_at, id) or
    (consultation_id, [clause_id,] status, created_at, id)."""
    query = (
        select(Comment, Decision).join(Decision, Decision.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id, Comment.status == APPROVED)
        .order_by(Comment.created_at, Comment.id)
    )
    return query if scope is ALL else query.where(_on(consultation, scope))


def after(query: Select, cursor: str | None) -> Select | None:
    """The query from past the cursor (an entry's `cursor`); None for a cursor that is not one."""
    position = parse_cursor(cursor)
    if position is None:
        return None
    return query.where(tuple_(Comment.created_at, Comment.id) > tuple_(*position))


def entry(comment: Comment, decision: Decision) -> FeedbackEntry:
    return FeedbackEntry(
        comment_id=comment.id, text=comment.public_body, outcome=decision.outcome,
        outcome_label=str(decision.outcome_label), response=decision.response or "", author=comment.public_author,
        cursor=cursor_of(comment.created_at, comment.id),
    )


def cursor_of(moment: datetime, comment_id: int) -> str:
    return f"{round(moment.timestamp() * 1_000_000)}_{comment_id}"


@dataclass
class ClauseFeedbackPage:
    feedback: ClauseFeedback
    entries: list[FeedbackEntry]
    page: int
    per_page: int
    texts_hidden: bool

    @property
    def total(self) -> int:
        return 0 if self.texts_hidden else self.feedback.tally.entries

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def has_prev(self) -> bool:
        return 1 < self.page <= self.pages

    @property
    def has_next(self) -> bool:
        return self.page < self.pages and len(self.entries) == self.per_page

    @property
    def next_cursor(self) -> str | None:
        return self.entries[-1].cursor if self.has_next else None


def clause_feedback_page(consultation: Consultation, clause: Clause | None, page: int, per_page: int,
                         cursor: str | None = None) -> ClauseFeedbackPage:
    """One page of a clause's (or the whole document's) entries, with its counts and answer: three
    queries whatever the number of comments. With a valid `cursor` the page is read by keyset."""
    tally = clause_tally(consultation, clause)
    hidden = not consultation.show_approved_comments
    items: list[FeedbackEntry] = []
    if tally.entries and not hidden and (page - 1) * per_page < tally.entries:
        query = entries_query(consultation, clause).limit(per_page)
        query = after(query, cursor) if parse_cursor(cursor) else query.offset((page - 1) * per_page)
        items = [entry(comment, decision) for comment, decision in db.session.execute(query)]
    return ClauseFeedbackPage(_clause_feedback(consultation, clause, tally), items, page, per_page, hidden)


@dataclass
class FeedbackSummary:
    """What the notice says of the published feedback: opinions received and their outcomes."""

    received: int
    outcomes: dict[str, int]  # every DecisionOutcome value plus "undecided"


def feedback_summary(consultation: Consultation) -> FeedbackSummary:
    """The notice's summary from the stored tallies, in one query."""
    outcomes = empty_outcomes()
    for _clause_id, outcome, _status, count in db.session.execute(_tally_rows(consultation)):
        outcomes[outcome] = outcomes.get(outcome, 0) + count
    return FeedbackSummary(received=sum(outcomes.values()), outcomes=outcomes)
