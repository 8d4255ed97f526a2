"""Comments of the moderation queue (its filters applied) as CSV, XLSX or JSON, streamed.

Rows are read in batches (`yield_per`) with clause, section and decision loaded in the same
query, and written out as they come, so memory does not grow with the number of comments. Every
CSV and XLSX cell goes through `exports_safety.safe_cell`: text that a spreadsheet could read as
a formula is stored as text. Phone and email are shown in full only to roles that may see them.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..comments.models import Channel, Comment, CommentStatus, Stance
from ..consultations.models import Clause, Consultation
from ..exports_safety import safe_cell
from ..extensions import db
from ..moderation.models import Decision, RejectionReason
from ..moderation.queue import QueueFilters, queue_query
from ..templating import mask_email, mask_phone
from ..timeutil import to_local

BATCH = 500
CHUNK = 64 * 1024
BOM = "\ufeff"
TIME_FORMAT = "%Y-%m-%d %H:%M"
COMMENTS_SHEET, SUMMARY_SHEET = _l("意见"), _l("概况")


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    header: object  # lazy string: the CSV/XLSX header
    width: float
    wrap: bool = False


COLUMNS = [
    Column("receipt_code", _l("回执编号"), 16),
    Column("submitted_at", _l("提交时间"), 17),
    Column("channel", _l("渠道"), 10),
    Column("status", _l("状态"), 10),
    Column("section", _l("章节"), 22, True),
    Column("clause_number", _l("条款号"), 8),
    Column("clause_title", _l("条款标题"), 24, True),
    Column("stance", _l("态度"), 10),
    Column("identity_type", _l("身份类型"), 10),
    Column("organisation", _l("单位"), 20, True),
    Column("name", _l("姓名"), 12),
    Column("phone", _l("电话"), 15),
    Column("email", _l("邮箱"), 24),
    Column("body", _l("意见内容"), 60, True),
    Column("published_body", _l("公开文本"), 60, True),
    Column("decision", _l("是否采纳"), 10),
    Column("response", _l("答复"), 40, True),
    Column("moderation_reason", _l("审核原因"), 24, True),
    Column("publish_name", _l("同意公开姓名/单位"), 10),
]


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def local_time(moment: datetime) -> str:
    return to_local(moment).strftime(TIME_FORMAT)


def comment_row(comment: Comment, show_contact: bool) -> dict:
    """One comment as {column key: value}; texts as stored (not yet made spreadsheet-safe)."""
    clause = comment.clause
    section = clause.section if clause is not None else None
    decision = comment.decision
    reason = ""
    if comment.rejection_reason:
        reason = RejectionReason(comment.rejection_reason).label
        if comment.rejection_note:
            reason += "：" + comment.rejection_note
    return {
        "receipt_code": comment.receipt_code,
        "submitted_at": local_time(comment.created_at),
        "channel": comment.channel_label,
        "status": comment.status_label,
        "section": f"{section.label} {section.heading}".strip() if section is not None else "",
        "clause_number": clause.number if clause is not None else None,
        "clause_title": clause.title if clause is not None else "",
        "stance": comment.stance_label,
        "identity_type": comment.identity_label,
        "organisation": comment.organisation or "",
        "name": comment.name or "",
        "phone": (comment.phone or "") if show_contact else mask_phone(comment.phone),
        "email": (comment.email or "") if show_contact else mask_email(comment.email),
        "body": comment.body,
        "published_body": comment.published_body or "",
        "decision": decision.outcome_label if decision is not None else "",
        "response": decision.response if decision is not None else "",
        "moderation_reason": reason,
        "publish_name": str(_l("是") if comment.publish_name else _l("否")),
    }


def export_query(consultation: Consultation, filters: QueueFilters) -> Select:
    """The queue's query with clause, section and decision loaded alongside (no N+1)."""
    return queue_query(consultation, filters).options(
        contains_eager(Comment.clause).joinedload(Clause.section),
        contains_eager(Comment.decision),
    )


def iter_rows(consultation_id: int, filters: QueueFilters, show_contact: bool) -> Iterator[dict]:
    """Rows of the export. Takes an id: a streamed response runs after the view's session has gone."""
    consultation = db.session.get(Consultation, consultation_id)
    query = export_query(consultation, filters).execution_options(yield_per=BATCH)
    for partition in db.session.scalars(query).partitions():
        for comment in partition:
            yield comment_row(comment, show_contact)


def count_rows(consultation: Consultation, filters: QueueFilters) -> int:
    subquery = queue_query(consultation, filters).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(subquery))


def breakdown(consultation: Consultation, filters: QueueFilters) -> dict[str, dict[str, int]]:
    """Comments per status, stance and channel under the filters (for the summary sheet)."""
    subquery = queue_query(consultation, filters).order_by(None).subquery()
    result = {}
    for name, enum in (("status", CommentStatus), ("stance", Stance), ("channel", Channel)):
        column = subquery.c[name]
        counts = dict(db.session.execute(select(column, func.count()).group_by(column)).all())
        result[name] = {member.label: counts.get(member.value, 0) for member in enum}
    return result


# CSV ---------------------------------------------------------------------------------------------

def csv_stream(rows) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel and WPS then read Chinese correctly), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in headers()])
    for row in rows:
        writer.writerow([safe_cell("" if row[c.key] is None else row[c.key]) for c in COLUMNS])
        if buffer.tell() >= CHUNK:
            yield flush()
    yield flush()


# JSON --------------------------------------------------------------------------------------------

def json_stream(rows) -> Iterator[bytes]:
    """A JSON array written one comment at a time; UTF-8, Chinese kept as is."""
    yield b"["
    first = True
    for row in rows:
        yield (("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)).encode("utf-8")
        first = False
    yield b"\n]\n"


# XLSX --------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _header_cells(ws, values):
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=safe_cell(value))
        cell.font = BOLD
        cells.append(cell)
    return cells


def filters_text(filters: QueueFilters) -> str:
    args = filters.to_args()
    return "; ".join(f"{name}={value}" for name, value in args.items()) or str(_l("无"))


def xlsx_stream(rows, *, consultation_title: str, filters: QueueFilters, exported_at: datetime,
                counts: dict[str, dict[str, int]]) -> Iterator[bytes]:
    """A write-only workbook (rows go to temp files as they are appended), then its bytes in chunks."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(str(SUMMARY_SHEET))
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 60
    for label, value in (
        (_l("征求意见"), consultation_title),
        (_l("筛选条件"), filters_text(filters)),
        (_l("导出时间"), local_time(exported_at)),
    ):
        summary.append([*_header_cells(summary, [str(label)]), safe_cell(value)])
    for title, key in ((_l("按状态"), "status"), (_l("按态度"), "stance"), (_l("按渠道"), "channel")):
        summary.append([])
        summary.append(_header_cells(summary, [str(title), str(_l("条数"))]))
        for label, number in counts[key].items():
            summary.append([safe_cell(label), number])

    ws = wb.create_sheet(str(COMMENTS_SHEET))
    ws.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.append(_header_cells(ws, headers()))
    count = 0
    for count, row in enumerate(rows, 1):
        cells = []
        for column in COLUMNS:
            value = row[column.key]
            cell = WriteOnlyCell(ws, value=None if value == "" else safe_cell(value))  # empty, not ""
            cell.alignment = WRAP if column.wrap else TOP
            cells.append(cell)
        ws.append(cells)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"

    with tempfile.SpooledTemporaryFile(max_size=CHUNK * 16) as target:
        wb.save(target)
        target.seek(0)
        while chunk := target.read(CHUNK):
            yield chunk
