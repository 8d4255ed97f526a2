"""The columns of a comment export: header, width, and where each value comes from.

An export reads plain rows (SQLAlchemy Core, exactly the SQL columns listed in `FIELDS`), never
ORM objects. Each `Column` turns one such row into one cell value with `value(row, context)`;
the `ExportContext` holds what is the same for every row of one export (labels in the current
language, the consultation's clauses, whether contact details are shown), loaded once.

To add a column: add the SQL expressions it reads to `FIELDS` (labelled; joined tables must be
joined in `services.export_query`) and a `Column` to `COLUMNS`. `text=True` marks values that
may hold text someone typed: CSV and XLSX pass those through `exports_safety.safe_cell`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..comments.models import Channel, Comment, CommentStatus, IdentityType, Stance
from ..consultations.models import Clause, Section
from ..extensions import db
from ..moderation.models import Decision, DecisionOutcome, RejectionReason
from ..templating import mask_email, mask_phone
from ..timeutil import to_local

TIME_FORMAT = "%Y-%m-%d %H:%M"

# The SQL columns every export row carries, by the name a Column reads them as.
FIELDS = (
    Comment.receipt_code, Comment.created_at, Comment.channel, Comment.status, Comment.clause_id,
    Comment.stance, Comment.identity_type, Comment.organisation, Comment.name, Comment.phone,
    Comment.email, Comment.body, Comment.published_body, Comment.rejection_reason,
    Comment.rejection_note, Comment.publish_name,
    Decision.outcome.label("decision_outcome"), Decision.response.label("decision_response"),
)


def local_time(moment: datetime) -> str:
    return to_local(moment).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class ClauseCells:
    section: str
    number: int
    title: str


NO_CLAUSE = ClauseCells("", None, "")  # a comment on the whole draft


@dataclass
class ExportContext:
    """What every row of one export shares, loaded before the first row."""

    show_contact: bool
    clauses: dict[int, ClauseCells]
    labels: dict[str, dict[str, str]]  # enum name -> stored value -> label in the current language
    yes: str
    no: str

    @classmethod
    def load(cls, consultation_id: int, show_contact: bool) -> ExportContext:
        """One query for the consultation's clauses with their sections; labels from the enums."""
        rows = db.session.execute(
            select(Clause.id, Clause.number, Clause.title, Section.label, Section.heading)
            .outerjoin(Section, Clause.section_id == Section.id)
            .where(Clause.consultation_id == consultation_id)
        )
        clauses = {
            row.id: ClauseCells(f"{row.label} {row.heading}".strip() if row.heading is not None else "", row.number,
                                row.title)
            for row in rows
        }
        labels = {enum.__name__: {member.value: member.label for member in enum}
                  for enum in (Channel, CommentStatus, Stance, IdentityType, DecisionOutcome, RejectionReason)}
        return cls(show_contact, clauses, labels, str(_l("是")), str(_l("否")))

    def clause(self, row) -> ClauseCells:
        return NO_CLAUSE if row.clause_id is None else self.clauses.get(row.clause_id, NO_CLAUSE)


def _reason(row, x: ExportContext) -> str:
    if not row.rejection_reason:
        return ""
    reason = x.labels["RejectionReason"].get(row.rejection_reason, row.rejection_reason)
    return reason + "：" + row.rejection_note if row.rejection_note else reason


def _label(enum: str, field: str) -> Callable:
    def value(row, x: ExportContext) -> str:
        stored = getattr(row, field)
        return x.labels[enum].get(stored, stored) if stored is not None else ""

    return value


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    header: object  # lazy string: the CSV/XLSX header
    width: float  # XLSX column width
    value: Callable  # (row, ExportContext) -> str | int | None
    wrap: bool = False  # XLSX: wrap long text
    text: bool = False  # may hold typed text: made spreadsheet-safe in CSV and XLSX


COLUMNS = [
    Column("receipt_code", _l("回执编号"), 16, lambda r, x: r.receipt_code, text=True),
    Column("submitted_at", _l("提交时间"), 17, lambda r, x: local_time(r.created_at)),
    Column("channel", _l("渠道"), 10, _label("Channel", "channel")),
    Column("status", _l("状态"), 10, _label("CommentStatus", "status")),
    Column("section", _l("章节"), 22, lambda r, x: x.clause(r).section, wrap=True, text=True),
    Column("clause_number", _l("条款号"), 8, lambda r, x: x.clause(r).number),
    Column("clause_title", _l("条款标题"), 24, lambda r, x: x.clause(r).title, wrap=True, text=True),
    Column("stance", _l("态度"), 10, _label("Stance", "stance")),
    Column("identity_type", _l("身份类型"), 10, _label("IdentityType", "identity_type")),
    Column("organisation", _l("单位"), 20, lambda r, x: r.organisation or "", wrap=True, text=True),
    Column("name", _l("姓名"), 12, lambda r, x: r.name or "", text=True),
    Column("phone", _l("电话"), 15, lambda r, x: (r.phone or "") if x.show_contact else mask_phone(r.phone),
           text=True),
    Column("email", _l("邮箱"), 24, lambda r, x: (r.email or "") if x.show_contact else mask_email(r.email),
           text=True),
    Column("body", _l("意见内容"), 60, lambda r, x: r.body, wrap=True, text=True),
    Column("published_body", _l("公开文本"), 60, lambda r, x: r.published_body or "", wrap=True, text=True),
    Column("decision", _l("是否采纳"), 10, _label("DecisionOutcome", "decision_outcome")),
    Column("response", _l("答复"), 40, lambda r, x: r.decision_response or "", wrap=True, text=True),
    Column("moderation_reason", _l("审核原因"), 24, _reason, wrap=True, text=True),
    Column("publish_name", _l("同意公开姓名/单位"), 10, lambda r, x: x.yes if r.publish_name else x.no),
]


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]
