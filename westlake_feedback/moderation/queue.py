"""The moderation queue: which comments of a consultation match the filters, in which order."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import aliased, selectinload

from ..clusters.models import CommentCluster
from ..comments.models import Channel, Comment, CommentStatus, IdentityType, Stance
from ..consultations.models import Clause, Consultation, ConsultationRound, Section
from ..extensions import db
from ..inputs import day_arg, parse_int
from ..timeutil import local_midnight
from .models import Decision, DecisionOutcome
from .search import candidate_ids, search_condition
from ..tags.queue import tag_condition

PER_PAGE = 50
SEARCH_MAX = 100
COUNT_CAP = 10_000  # counts beyond it show as "10,000+"
SEARCH_COUNT_CAP = 1_000  # with a search: "1,000+"
WHOLE_DRAFT = 0  # the clause filter value for comments on the whole draft

SORTS = {
    "newest": _l("最新提交在前"),
    "oldest": _l("最早提交在前"),
    "clause": _l("按条款顺序"),
    "cluster": _l("相似意见组从大到小"),
}
CLUSTER_SORT = aliased(CommentCluster, name="sort_cluster")  # its own name: exports may join clusters too
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
    tag: int | None = None  # a tag's id; UNTAGGED (0) for comments without any tag
    since: date | None = None  # local calendar days, inclusive
    until: date | None = None
    cluster: int | None = None  # only comments in a cluster of at least this many (2: any cluster)
    q: str = ""
    sort: str = "newest"
    round: int | None = None  # round number (rounds/): comments made on that round; `clause` is of that round

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
            tag=parse_int(args.get("tag"), 0, 2**31 - 1),
            since=day_arg(args.get("since")),
            until=day_arg(args.get("until")),
            cluster=parse_int(args.get("cluster"), 2, 999_999),
            q=(args.get("q") or "").strip()[:SEARCH_MAX],
            sort=args.get("sort") if args.get("sort") in SORTS else "newest",
            round=_number(args.get("round")),
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


def _of_round(model, consultation: Consultation, number: int | None):
    """Clauses (or sections) of the given round (None: the current round, whose rows carry consultation_id)."""
    if number is None or number == consultation.current_round:
        return model.consultation_id == consultation.id
    return model.round_id == select(ConsultationRound.id).where(
        ConsultationRound.consultation_id == consultation.id, ConsultationRound.number == number).scalar_subquery()


def _section_ids(consultation: Consultation, f: QueueFilters) -> Select:
    """The sections numbered `f.section`: the chosen round's; with every round (no round chosen, and
    more than one round), that section in each published round (sections are numbered per round)."""
    if f.round is None and consultation.current_round > 1:
        published = select(ConsultationRound.id).where(ConsultationRound.consultation_id == consultation.id,
                                                       ConsultationRound.number <= consultation.current_round)
        return select(Section.id).where(Section.round_id.in_(published), Section.number == f.section)
    return select(Section.id).where(_of_round(Section, consultation, f.round), Section.number == f.section)


def _filtered(query: Select, consultation: Consultation, f: QueueFilters, *, with_status: bool = True,
              joined: bool = True, search_ids: Select | None = None, by_cluster: bool = False) -> Select:
    """The filters as conditions on comments. `joined` also outer-joins the clause and the decision
    (the exports load them from the same rows); without it every filter is a condition on comments
    alone (an IN or EXISTS on an indexed key), so the queue reads along its ordering index."""
    if joined:
        query = query.outerjoin(Clause, Comment.clause_id == Clause.id).outerjoin(Decision, Decision.comment_id == Comment.id)
    # Sorted by cluster, the walk starts from the consultation's clusters; `+ 0` keeps SQLite
    # (without statistics) from starting from the comments' consultation index and sorting them all.
    # PostgreSQL plans by its statistics, which `+ 0` would only blur.
    own = Comment.consultation_id + 0 if by_cluster and _dialect() == "sqlite" else Comment.consultation_id
    query = query.where(own == consultation.id)
    if with_status and f.status:
        query = query.where(Comment.status == f.status)
    if f.section is not None:
        query = query.where(Comment.clause_id.in_(
            select(Clause.id).where(Clause.section_id.in_(_section_ids(consultation, f)))))
    if f.clause == WHOLE_DRAFT:
        query = query.where(Comment.clause_id.is_(None))
    elif f.clause is not None:
        # Clause numbers are unique in a consultation: an equality, so (clause_id, status, created_at,
        # id) can give the order.
        query = query.where(Comment.clause_id == select(Clause.id).where(
            _of_round(Clause, consultation, f.round), Clause.number == f.clause).scalar_subquery())
    if f.round is not None:
        query = query.where(Comment.round_number == f.round)
    for column, value in ((Comment.stance, f.stance), (Comment.identity_type, f.identity), (Comment.channel, f.channel)):
        if value:
            query = query.where(column == value)
    decided = select(Decision.id).where(Decision.comment_id == Comment.id).correlate(Comment).exists()
    if f.decision == DECIDED:
        query = query.where(decided)
    elif f.decision == UNDECIDED:
        query = query.where(~decided)
    elif f.decision:
        query = query.where(Comment.id.in_(select(Decision.comment_id).where(Decision.outcome == f.decision)))
    if f.tag is not None:
        query = query.where(tag_condition(f.tag))
    if f.since:
        query = query.where(Comment.created_at >= local_midnight(f.since))
    if f.until:
        query = query.where(Comment.created_at < local_midnight(f.until + timedelta(days=1)))
    if f.cluster:
        query = query.where(Comment.cluster_id.in_(select(CommentCluster.id).where(
            CommentCluster.consultation_id == consultation.id, CommentCluster.size >= f.cluster)))
    elif f.sort == "cluster":
        query = query.where(Comment.cluster_id.is_not(None))  # the sort lists clustered comments only
    if f.q:
        # A substring match: works for Chinese without word segmentation. Never phone or email.
        query = query.where(search_condition(f.q, _dialect(), search_ids))
    return query


def queue_query(consultation: Consultation, f: QueueFilters, *, joined: bool = True) -> Select:
    query = _filtered(select(Comment), consultation, f, joined=joined, by_cluster=f.sort == "cluster")
    if f.sort == "oldest":
        return query.order_by(Comment.created_at.asc(), Comment.id.asc())
    if f.sort == "clause":
        if not joined:
            query = query.outerjoin(Clause, Comment.clause_id == Clause.id)
        # Comments on the whole draft first, as the published report lists them.
        return query.order_by(Clause.position.asc().nulls_first(), Comment.created_at.asc(), Comment.id.asc())
    if f.sort == "cluster":
        # Largest first, each cluster's members together, its first comment first: read along
        # (consultation_id, size, id) of the clusters, then each one's members along (cluster_id, id).
        query = query.join(CLUSTER_SORT, CLUSTER_SORT.id == Comment.cluster_id).where(
            CLUSTER_SORT.consultation_id == consultation.id)
        if f.cluster:
            query = query.where(CLUSTER_SORT.size >= f.cluster)  # lets the clusters' index bound the walk
        return (query
                .order_by(CLUSTER_SORT.size.desc(), CLUSTER_SORT.id.desc(), Comment.id.asc()))
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def count_cap(f: QueueFilters) -> int:
    """Counts stop there: under a search each counted row is also matched exactly."""
    return SEARCH_COUNT_CAP if f.q else COUNT_CAP


# The queue's statements differ in their values far more than in their text (a status, a clause,
# an offset, a search): a plan made for one set of values is wrong for the next. psycopg prepares a
# statement after 5 runs, and PostgreSQL then soon keeps one generic plan for all values; at
# 100,000 comments that made the pending filter 125 instead of 55 ms and page 40 oldest-first 135
# instead of 46. This transaction's statements are planned for their own values (public pages and
# comment intake keep their prepared plans: their statements differ only by key).
CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


def status_counts(consultation: Consultation, f: QueueFilters) -> dict[str, int]:
    """Comments per status under every filter except the status one, each counted up to
    count_cap + 1 (shown as "10,000+"): one statement, each count bounded by an index range. A
    search reads its candidates from the index once (a materialized CTE) for all four. The first
    of the queue's statements: on PostgreSQL it first asks for plans made for this request's values."""
    if _dialect() == "postgresql":
        db.session.execute(CUSTOM_PLANS)
    cap = count_cap(f)
    search_ids = None
    if f.q:
        ids = candidate_ids(f.q, _dialect())
        if ids is not None:
            shared = ids.cte("search_candidates").prefix_with("MATERIALIZED")
            search_ids = select(shared.c[0])
    base = _filtered(select(Comment.id), consultation, f, with_status=False, joined=False, search_ids=search_ids)
    columns = [
        select(func.count()).select_from(base.where(Comment.status == status.value).limit(cap + 1).subquery())
        .scalar_subquery().label(status.value)
        for status in CommentStatus
    ]
    return dict(db.session.execute(select(*columns)).one()._mapping)


@dataclass
class QueuePage:
    """One page of the queue, read as PER_PAGE + 1 rows (the extra one says whether a next page
    exists); `total` comes from the capped status counts, never from count(*) over the filters."""

    items: list[Comment]
    page: int
    per_page: int
    total: int
    has_next: bool
    cap: int = COUNT_CAP
    clusters: dict = field(default_factory=dict)  # cluster id -> clusters.staff.RowCluster

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def pages(self) -> int:
        known = math.ceil(min(self.total, self.cap) / self.per_page)
        return max(known, self.page + 1 if self.has_next else self.page if self.items else 0)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def queue_page(consultation: Consultation, f: QueueFilters, page: int, counts: dict[str, int]) -> QueuePage:
    query = queue_query(consultation, f, joined=False).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    if f.sort == "clause":
        # No index gives the clauses' order: every comment matching the filters is sorted. Sort
        # their ids and sort keys only, then read the page's rows (at 100,000 comments on
        # PostgreSQL 44 instead of 74 ms: the sort no longer carries every column of every row).
        page_ids = query.with_only_columns(Comment.id, Clause.position, Comment.created_at).subquery()
        query = (select(Comment).join(page_ids, page_ids.c.id == Comment.id)
                 .order_by(page_ids.c.position.asc().nulls_first(), page_ids.c.created_at.asc(), Comment.id.asc()))
    rows = list(db.session.scalars(query.options(selectinload(Comment.decision))))
    items = rows[:PER_PAGE]
    total = counts[f.status] if f.status else sum(counts.values())
    from ..clusters.staff import row_clusters

    return QueuePage(items=items, page=page, per_page=PER_PAGE, total=total,
                     has_next=len(rows) > PER_PAGE, cap=count_cap(f),
                     clusters=row_clusters({comment.cluster_id for comment in items}))


def count_label(count: int, cap: int = COUNT_CAP) -> str:
    """A count as shown: exact up to the cap, beyond it "10,000+"."""
    return f"{cap:,}+" if count > cap else str(count)


def pending_counts() -> dict[int, int]:
    """Pending comments per consultation, each counted along (consultation_id, status, ...) alone
    (a GROUP BY over comments would read every comment of every consultation)."""
    pending = (select(func.count(Comment.id))
               .where(Comment.consultation_id == Consultation.id, Comment.status == CommentStatus.PENDING.value)
               .scalar_subquery())
    return {consultation_id: count for consultation_id, count in db.session.execute(select(Consultation.id, pending))
            if count}


def busiest_consultation(consultations: list[Consultation], pending: dict[int, int]) -> Consultation | None:
    """The one with most pending comments; on a tie the first given (the latest to close)."""
    if not consultations:
        return None
    return max(consultations, key=lambda c: pending.get(c.id, 0))
