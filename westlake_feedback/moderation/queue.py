"""The moderation queue: which comments of a consultation match the filters, in which order."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from ..comments.models import Channel, Comment, CommentStatus, IdentityType, Stance
from ..consultations.models import Clause, Consultation, Section
from ..extensions import db
from ..inputs import day_arg, parse_int
from ..timeutil import local_midnight
from .models import Decision, DecisionOutcome

PER_PAGE = 50
SEARCH_MAX = 100
WHOLE_DRAFT = 0  # the clause filter value for comments on the whole draft

SORTS = {
    "newest": _l("最新提交在前"),
    "oldest": _l("最早提交在前"),
    "clause": _l("按条款顺序"),
}
DECIDED, UNDECIDED = "decided", "undecided"


def decision_filter_choices() -> list[tuple[str, str]]:
    return [(DECIDED, str(_l("已决定"))), (UNDECIDED, str(_l("未决定")))] + DecisionOutcome.choices()


@dataclass
class QueueFilters:
    """What the GET form asks for. Unknown or malformed values are dropped, never an error."""

    status: str | None = None
    section: int | None = None  # section number
    clause: int | None = None  # clause number; WHOLE_DRAFT for comments on the whole draft
    stance: str | None = None
    identity: str | None = None
    channel: str | None = None
    decision: str | None = None
    since: date | None = None  # local calendar days, inclusive
    until: date | None = None
    q: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        def choice(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else None

        return cls(
            status=choice("status", {s.value for s in CommentStatus}),
            section=_number(args.get("section")),
            clause=_number(args.get("clause"), allow_zero=True),
            stance=choice("stance", {s.value for s in Stance}),
            identity=choice("identity", {s.value for s in IdentityType}),
            channel=choice("channel", {s.value for s in Channel}),
            decision=choice("decision", {value for value, _label in decision_filter_choices()}),
            since=day_arg(args.get("since")),
            until=day_arg(args.get("until")),
            q=(args.get("q") or "").strip()[:SEARCH_MAX],
            sort=args.get("sort") if args.get("sort") in SORTS else "newest",
        )

    def to_args(self, **overrides) -> dict[str, str]:
        """Query-string arguments that reproduce these filters (defaults left out)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(overrides)
        args = {}
        for name, value in values.items():
            if value is None or value == "" or (name == "sort" and value == "newest"):
                continue
            args[name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    @property
    def active(self) -> bool:
        return bool(self.to_args(sort="newest"))


def _number(value: str | None, allow_zero: bool = False) -> int | None:
    return parse_int(value, 0 if allow_zero else 1, 999_999)


def _filtered(query: Select, consultation: Consultation, f: QueueFilters, *, with_status: bool = True) -> Select:
    query = (
        query.outerjoin(Clause, Comment.clause_id == Clause.id)
        .outerjoin(Decision, Decision.comment_id == Comment.id)
        .where(Comment.consultation_id == consultation.id)
    )
    if with_status and f.status:
        query = query.where(Comment.status == f.status)
    if f.section is not None:
        section_ids = select(Section.id).where(Section.consultation_id == consultation.id, Section.number == f.section)
        query = query.where(Clause.section_id.in_(section_ids))
    if f.clause == WHOLE_DRAFT:
        query = query.where(Comment.clause_id.is_(None))
    elif f.clause is not None:
        query = query.where(Clause.number == f.clause)
    for column, value in ((Comment.stance, f.stance), (Comment.identity_type, f.identity), (Comment.channel, f.channel)):
        if value:
            query = query.where(column == value)
    if f.decision == DECIDED:
        query = query.where(Decision.id.is_not(None))
    elif f.decision == UNDECIDED:
        query = query.where(Decision.id.is_(None))
    elif f.decision:
        query = query.where(Decision.outcome == f.decision)
    if f.since:
        query = query.where(Comment.created_at >= local_midnight(f.since))
    if f.until:
        query = query.where(Comment.created_at < local_midnight(f.until + timedelta(days=1)))
    if f.q:
        # A substring match: works for Chinese without word segmentation. Never phone or email.
        query = query.where(
            or_(
                Comment.body.icontains(f.q, autoescape=True),
                Comment.published_body.icontains(f.q, autoescape=True),
                Comment.name.icontains(f.q, autoescape=True),
                Comment.organisation.icontains(f.q, autoescape=True),
                Comment.receipt_code == f.q.upper(),
            )
        )
    return query


def queue_query(consultation: Consultation, f: QueueFilters) -> Select:
    query = _filtered(select(Comment), consultation, f)
    if f.sort == "oldest":
        return query.order_by(Comment.created_at.asc(), Comment.id.asc())
    if f.sort == "clause":
        # Comments on the whole draft first, as the published report lists them.
        return query.order_by(Clause.position.asc().nulls_first(), Comment.created_at.asc(), Comment.id.asc())
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def status_counts(consultation: Consultation, f: QueueFilters) -> dict[str, int]:
    """Comments per status under every filter except the status one."""
    query = _filtered(select(Comment.status, func.count(Comment.id)).select_from(Comment), consultation, f,
                      with_status=False).group_by(Comment.status)
    counts = {status.value: 0 for status in CommentStatus}
    counts.update({status: count for status, count in db.session.execute(query)})
    return counts


def pending_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Comment.consultation_id, func.count(Comment.id))
        .where(Comment.status == CommentStatus.PENDING.value)
        .group_by(Comment.consultation_id)
    )
    return {consultation_id: count for consultation_id, count in rows}


def busiest_consultation(consultations: list[Consultation], pending: dict[int, int]) -> Consultation | None:
    """The one with most pending comments; on a tie the first given (the latest to close)."""
    if not consultations:
        return None
    return max(consultations, key=lambda c: pending.get(c.id, 0))
