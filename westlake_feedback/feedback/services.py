"""Building, publishing and unpublishing the office's feedback on a closed consultation.

Privacy: the feedback shows only a comment's public text (`public_body`, the redacted version if
staff made one), the adoption decision, the office's response and, only where the commenter
agreed (`Comment.publish_name`), their name or organisation (`Comment.public_author`). Never a
phone number, email or receipt code.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit.services import record
from ..comments.models import Comment, CommentStatus
from ..consultations.models import Clause, Consultation, Section, WindowState
from ..extensions import db
from ..mail.commenters import enqueue_feedback_published
from ..mail.services import absolute_url
from ..moderation.models import Decision, DecisionOutcome
from ..timeutil import now_utc

UNDECIDED = "undecided"


class FeedbackRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class FeedbackEntry:
    """One public (approved) comment that has a decision."""

    comment_id: int
    text: str
    outcome: str
    outcome_label: str
    response: str
    author: str | None = None  # only with the commenter's consent


@dataclass
class ClauseFeedback:
    """The feedback on one clause, or on the whole document when `clause` is None."""

    clause: Clause | None
    received: int
    response: str | None
    entries: list[FeedbackEntry] = field(default_factory=list)
    round_number: int | None = None  # the round of the clause, when there is more than one round (rounds/)


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
        rows = [(o.value, o.label, self.outcomes[o.value]) for o in DecisionOutcome]
        return rows + [(UNDECIDED, _("尚未答复"), self.outcomes[UNDECIDED])]


def received_comments(consultation: Consultation) -> Select:
    """Every opinion received, of every channel and status except spam."""
    return (
        select(Comment)
        .where(Comment.consultation_id == consultation.id, Comment.status != CommentStatus.SPAM.value)
        .options(selectinload(Comment.decision))
        .order_by(Comment.created_at, Comment.id)
    )


@dataclass
class FeedbackSummary:
    """What the notice says of the published feedback: opinions received and their outcomes."""

    received: int
    outcomes: dict[str, int]  # every DecisionOutcome value plus "undecided"


def feedback_summary(consultation: Consultation) -> FeedbackSummary:
    """The notice's summary in one aggregate query, without loading the comments themselves."""
    rows = db.session.execute(
        select(Decision.outcome, func.count())
        .select_from(Comment)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id, Comment.status != CommentStatus.SPAM.value)
        .group_by(Decision.outcome)
    )
    outcomes = {o.value: 0 for o in DecisionOutcome} | {UNDECIDED: 0}
    for outcome, count in rows:
        outcomes[outcome or UNDECIDED] = outcomes.get(outcome or UNDECIDED, 0) + count
    return FeedbackSummary(received=sum(outcomes.values()), outcomes=outcomes)


def build_report(consultation: Consultation) -> FeedbackReport:
    comments = list(db.session.scalars(received_comments(consultation)))
    outcomes = Counter(c.decision.outcome if c.decision else UNDECIDED for c in comments)
    received = Counter(c.clause_id for c in comments)
    # An admin who hid the public comment texts keeps them hidden here too; counts and answers stay.
    texts_hidden = not consultation.show_approved_comments
    entries: dict[int | None, list[FeedbackEntry]] = {}
    for comment in comments:
        if texts_hidden or comment.status != CommentStatus.APPROVED.value or comment.decision is None:
            continue  # counted above, but its text is not public
        decision = comment.decision
        entries.setdefault(comment.clause_id, []).append(FeedbackEntry(
            comment_id=comment.id, text=comment.public_body, outcome=decision.outcome,
            outcome_label=str(decision.outcome_label), response=decision.response or "",
            author=comment.public_author,
        ))

    several = consultation.current_round > 1

    def round_of(clause: Clause | None) -> int | None:
        return (clause.round.number if clause.round else consultation.current_round) if several and clause else None

    def clause_feedback(clause: Clause | None) -> ClauseFeedback:
        key = clause.id if clause else None
        response = clause.response.text if clause is not None and clause.response is not None else None
        return ClauseFeedback(clause, received[key], response, entries.get(key, []), round_of(clause))

    sections: list[SectionFeedback] = []
    # The clauses comments were made on: the current round's and, after a revision, those of the
    # earlier rounds (current round first, then the earlier ones, latest first; draft order within).
    clause_ids = [key for key in received if key is not None]
    clauses = sorted(db.session.scalars(
        select(Clause).where(Clause.id.in_(clause_ids))
        .options(selectinload(Clause.section), selectinload(Clause.response), selectinload(Clause.round))
    ), key=lambda c: (-(round_of(c) or 0), c.position))
    for clause in clauses:
        if not sections or sections[-1].section is not clause.section or sections[-1].round_number != round_of(clause):
            sections.append(SectionFeedback(clause.section, round_number=round_of(clause)))
        sections[-1].clauses.append(clause_feedback(clause))
    whole = clause_feedback(None) if received[None] else None
    return FeedbackReport(
        consultation=consultation,
        received=len(comments),
        outcomes={**{o.value: outcomes[o.value] for o in DecisionOutcome}, UNDECIDED: outcomes[UNDECIDED]},
        whole_document=whole,
        sections=sections,
        texts_hidden=texts_hidden,
    )


def public_feedback_url(consultation: Consultation) -> str:
    return absolute_url("feedback.public", slug=consultation.slug)


def publish_feedback(consultation: Consultation, intro: str, by: User, at: datetime | None = None) -> int:
    """Publish (or update the intro of) the feedback and queue one mail per commenter address.
    Publishing again never mails twice: the outbox's dedupe keys are per consultation and address.
    Commits; returns the number of messages newly queued."""
    at = at or now_utc()
    if consultation.is_draft:
        raise FeedbackRefused(_("草稿尚未发布,不能公布意见采纳情况。"))
    if consultation.window_state(at) is not WindowState.CLOSED:
        raise FeedbackRefused(_("征求意见尚未截止,截止后才能公布意见采纳情况。"))
    intro = (intro or "").strip()
    first = consultation.feedback_published_at is None
    changes = {}
    if intro != consultation.feedback_intro:
        changes["feedback_intro"] = [consultation.feedback_intro, intro]
    consultation.feedback_intro = intro
    if first:
        changes["feedback_published_at"] = [None, at.isoformat()]
        consultation.feedback_published_at = at
        consultation.feedback_published_by_id = by.id
    summary = ("公布意见采纳情况:" if first else "更新意见采纳情况:") + consultation.title
    record("feedback_publish", target=consultation, summary=summary, changes=changes or None, actor=by)
    queued = enqueue_feedback_published(consultation, public_feedback_url(consultation))
    db.session.commit()
    return queued


def unpublish_feedback(consultation: Consultation, by: User) -> None:
    """Take the feedback off the public site (in case of a mistake). The intro is kept; mail
    already queued is not recalled, and publishing again does not mail again."""
    if consultation.feedback_published_at is None:
        raise FeedbackRefused(_("意见采纳情况尚未公布。"))
    changes = {"feedback_published_at": [consultation.feedback_published_at.isoformat(), None]}
    consultation.feedback_published_at = None
    consultation.feedback_published_by_id = None
    record("feedback_unpublish", target=consultation, summary=f"撤回意见采纳情况:{consultation.title}",
           changes=changes, actor=by)
    db.session.commit()
