"""The columns of a comment export: header, width, and where each value comes from.

An export reads plain rows (SQLAlchemy Core, exactly the SQL columns listed in `FIELDS`), never
ORM objects. Each `Column` turns one such row into one cell value with `value(row, context)`;
the `ExportContext` holds what is the same for every row of one export (labels in the current
language, the consultation's clauses, whether contact details are shown), loaded once.

To add a column: add the SQL expressions it reads to `FIELDS` (labelled; a table other than
comments, clauses and decisions must be joined in `services.export_query`, or loaded once into
the context like the clauses) and a `Column` to `COLUMNS`, whose value function reads the row by
index (`field(name)`; attribute access on a Core row costs several times more per row). `text=True`
marks values that may hold text someone typed: CSV and XLSX pass those through
`exports_safety.safe_cell`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, select, type_coerce

from ..clusters.models import CommentCluster
from ..comments.models import Channel, Comment, CommentStatus, IdentityType, Stance
from ..consultations.models import Clause, ConsultationRound, Section
from ..extensions import db
from ..moderation.models import Decision, DecisionOutcome, RejectionReason
from ..templating import mask_email, mask_phone
from ..timeutil import to_local

TIME_FORMAT = "%Y-%m-%d %H:%M"

# The SQL columns every export row carries, in order; Columns read them by name (`field`).
FIELDS = (
    # Read raw (no per-row conversion in Python): SQLite gives the stored UTC text, PostgreSQL an
    # aware datetime; LocalTimes takes either. publish_name: 0/1 or a bool, used for its truth.
    Comment.receipt_code, type_coerce(Comment.created_at, String).label("created_at"), Comment.channel, Comment.status, Comment.clause_id,
    Comment.stance, Comment.identity_type, Comment.organisation, Comment.name, Comment.phone,
    Comment.email, Comment.body, Comment.published_body, Comment.rejection_reason,
    Comment.rejection_note, type_coerce(Comment.publish_name, Integer).label("publish_name"),
    Decision.outcome.label("decision_outcome"), Decision.response.label("decision_response"),
    Comment.round_number,
    Comment.id.label("comment_id"), Comment.cluster_id,
    CommentCluster.size.label("cluster_size"),  # outer-joined in services.export_query
)
INDEX = {expression.key: index for index, expression in enumerate(FIELDS)}  # row[index] is fast, row.name is not


def field(name: str) -> int:
    return INDEX[name]


@dataclass(frozen=True)
class ClauseCells:
    section: str
    number: int | None
    title: str


NO_CLAUSE = ClauseCells("", None, "")  # a comment on the whole draft


class LocalTimes(dict):
    """A stored UTC moment -> local `YYYY-MM-DD HH:MM`, memoised per UTC minute (Shanghai's
    offset is whole hours, so the minute in UTC fixes the minute in local time)."""

    def __missing__(self, minute) -> str:
        if isinstance(minute, str):  # SQLite: "YYYY-MM-DD HH:MM" of the stored naive UTC text
            moment = datetime.fromisoformat(minute).replace(tzinfo=timezone.utc)
        else:
            moment = datetime.fromtimestamp(minute * 60, timezone.utc)
        self[minute] = text = local_time(moment)
        return text

    def text(self, moment: str | datetime) -> str:
        return self[moment[:16] if isinstance(moment, str) else int(moment.timestamp()) // 60]


def local_time(moment: datetime) -> str:
    return to_local(moment).strftime(TIME_FORMAT)


@dataclass
class ExportContext:
    """What every row of one export shares, loaded before the first row."""

    show_contact: bool
    clauses: dict[int | None, ClauseCells]  # clause id -> its cells; None -> NO_CLAUSE
    labels: dict[str, dict[str, str]]  # enum name -> stored value -> label in the current language
    yes: str
    no: str
    times: LocalTimes
    tags: dict[int, list[str]] = None  # comment id -> tag names, for the batch being written

    @classmethod
    def load(cls, consultation_id: int, show_contact: bool) -> ExportContext:
        """One query for the clauses of every round of the consultation (a comment keeps the clause
        of the round it was made on) with their sections; labels from the enums."""
        rounds = select(ConsultationRound.id).where(ConsultationRound.consultation_id == consultation_id)
        rows = db.session.execute(
            select(Clause.id, Clause.number, Clause.title, Section.label, Section.heading)
            .outerjoin(Section, Clause.section_id == Section.id)
            .where((Clause.consultation_id == consultation_id) | Clause.round_id.in_(rounds))
        )
        clauses = {
            row.id: ClauseCells(f"{row.label} {row.heading}".strip() if row.heading is not None else "", row.number,
                                row.title)
            for row in rows
        }
        clauses[None] = NO_CLAUSE
        labels = {enum.__name__: {member.value: member.label for member in enum}
                  for enum in (Channel, CommentStatus, Stance, IdentityType, DecisionOutcome, RejectionReason)}
        return cls(show_contact, clauses, labels, str(_l("是")), str(_l("否")), LocalTimes())


# Value functions: (row, ExportContext) -> str | int | None. The row is a Core row read by index.

def stored(name: str) -> Callable:
    """The stored text, "" for NULL."""
    i = field(name)
    return lambda r, x: r[i] or ""


def labelled(enum: str, name: str) -> Callable:
    """The stored enum value's label in the export's language ("" for NULL)."""
    i = field(name)

    def value(r, x: ExportContext) -> str:
        return x.labels[enum].get(r[i], r[i]) if r[i] is not None else ""

    return value


def clause_cell(attribute: str) -> Callable:
    i = field("clause_id")
    return lambda r, x: getattr(x.clauses.get(r[i], NO_CLAUSE), attribute)


def contact(name: str, mask: Callable[[str | None], str]) -> Callable:
    """Phone or email: in full for roles that may see contact details, masked for the others."""
    i = field(name)
    return lambda r, x: (r[i] or "") if x.show_contact else mask(r[i])


def _submitted_at(r, x: ExportContext) -> str:
    return x.times.text(r[CREATED_AT])


def _reason(r, x: ExportContext) -> str:
    reason, note = r[REJECTION_REASON], r[REJECTION_NOTE]
    if not reason:
        return ""
    label = x.labels["RejectionReason"].get(reason, reason)
    return label + "：" + note if note else label


def _publish_name(r, x: ExportContext) -> str:
    return x.yes if r[PUBLISH_NAME] else x.no


CREATED_AT, REJECTION_REASON = field("created_at"), field("rejection_reason")
REJECTION_NOTE, PUBLISH_NAME = field("rejection_note"), field("publish_name")
ROUND = field("round_number")
COMMENT_ID, CLUSTER_ID, CLUSTER_SIZE = field("comment_id"), field("cluster_id"), field("cluster_size")


def _tags(r, x: ExportContext) -> list[str]:
    """The comment's tag names, by name (JSON: a list; CSV/XLSX join them, see `joined`)."""
    return (x.tags or {}).get(r[COMMENT_ID], [])


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    header: object  # lazy string: the CSV/XLSX header
    width: float  # XLSX column width
    value: Callable  # (row, ExportContext) -> str | int | None
    wrap: bool = False  # XLSX: wrap long text
    text: bool = False  # may hold typed text: made spreadsheet-safe in CSV and XLSX
    joined: bool = False  # a list: CSV and XLSX join it with tags.models.SEPARATOR into one cell


COLUMNS = [
    Column("receipt_code", _l("回执编号"), 16, stored("receipt_code"), text=True),
    Column("submitted_at", _l("提交时间"), 17, _submitted_at),
    Column("channel", _l("渠道"), 10, labelled("Channel", "channel")),
    Column("status", _l("状态"), 10, labelled("CommentStatus", "status")),
    Column("section", _l("章节"), 22, clause_cell("section"), wrap=True, text=True),
    Column("clause_number", _l("条款号"), 8, clause_cell("number")),
    Column("clause_title", _l("条款标题"), 24, clause_cell("title"), wrap=True, text=True),
    Column("stance", _l("态度"), 10, labelled("Stance", "stance")),
    Column("identity_type", _l("身份类型"), 10, labelled("IdentityType", "identity_type")),
    Column("organisation", _l("单位"), 20, stored("organisation"), wrap=True, text=True),
    Column("name", _l("姓名"), 12, stored("name"), text=True),
    Column("phone", _l("电话"), 15, contact("phone", mask_phone), text=True),
    Column("email", _l("邮箱"), 24, contact("email", mask_email), text=True),
    Column("body", _l("意见内容"), 60, stored("body"), wrap=True, text=True),
    Column("published_body", _l("公开文本"), 60, stored("published_body"), wrap=True, text=True),
    Column("decision", _l("是否采纳"), 10, labelled("DecisionOutcome", "decision_outcome")),
    Column("response", _l("答复"), 40, stored("decision_response"), wrap=True, text=True),
    Column("moderation_reason", _l("审核原因"), 24, _reason, wrap=True, text=True),
    Column("publish_name", _l("同意公开姓名/单位"), 10, _publish_name),
    # The drafting round (rounds/) the comment was made on; its clause number is of that round.
    Column("round", _l("轮次"), 6, lambda r, x: r[ROUND]),
    # The near-duplicate cluster (clusters/): its id is its first comment's id; None before a rebuild.
    Column("cluster_id", _l("相似意见组编号"), 12, lambda r, x: r[CLUSTER_ID]),
    Column("cluster_size", _l("相似意见组条数"), 10, lambda r, x: r[CLUSTER_SIZE]),
    Column("tags", _l("标签"), 24, _tags, wrap=True, text=True, joined=True),
]


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]
