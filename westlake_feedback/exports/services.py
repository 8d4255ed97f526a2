"""Comments of the moderation queue (its filters and sort applied) as CSV, XLSX or JSON, streamed.

One Core `select()` of exactly the columns in `columns.FIELDS` (the queue's own joins and
filters, no ORM objects, no query per row) is read in batches: on PostgreSQL through a
server-side cursor (`stream_results`), on SQLite through its lazy cursor. Rows are written out as
they come, so memory does not grow with the number of comments. An export runs a fixed number of
queries whatever its size: the rows, the clause list, and for XLSX the summary counts.

Every CSV and XLSX cell that may hold typed text goes through `exports_safety.safe_cell`: text a
spreadsheet could read as a formula is stored as text. Phone and email are shown in full only to
roles that may see them (`ExportContext.show_contact`).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from ..clusters.models import CommentCluster
from ..comments.models import Channel, Comment, CommentStatus, Stance
from ..consultations.models import Consultation
from ..exports_safety import safe_cell
from ..extensions import db
from ..moderation.queue import QueueFilters, queue_query
from ..tags.models import SEPARATOR
from ..tags.services import tag_names_of
from .columns import COMMENT_ID, COLUMNS, FIELDS, ExportContext, headers, local_time  # noqa: F401 (re-exported)

BATCH = 2000  # rows fetched per round trip (PostgreSQL: per FETCH from the server-side cursor)
CHUNK = 64 * 1024
BOM = "\ufeff"


def export_query(consultation: Consultation, filters: QueueFilters) -> Select:
    """The queue's query (joins, filters, order) selecting only the export's columns."""
    return (queue_query(consultation, filters).with_only_columns(*FIELDS)
            .outerjoin(CommentCluster, CommentCluster.id == Comment.cluster_id))


def iter_rows(consultation_id: int, filters: QueueFilters, show_contact: bool) -> Iterator[list]:
    """Each comment as a list of raw values in `COLUMNS` order (not yet made spreadsheet-safe).

    Takes an id: a streamed response runs after the view's session objects have gone.
    """
    context = ExportContext.load(consultation_id, show_contact)
    query = export_query(db.session.get(Consultation, consultation_id), filters)
    getters = [column.value for column in COLUMNS]
    # The session's connection (its transaction) but Core execution: no ORM result processing.
    result = db.session.connection().execute(query.execution_options(stream_results=True, yield_per=BATCH))
    try:
        for partition in result.partitions():
            # One query per batch for the batch's tags (comment_tags by its primary key).
            context.tags = tag_names_of(row[COMMENT_ID] for row in partition)
            for row in partition:
                yield [get(row, context) for get in getters]
    finally:
        result.close()


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


def filters_text(filters: QueueFilters) -> str:
    args = filters.to_args()
    return "; ".join(f"{name}={value}" for name, value in args.items()) or str(_l("无"))


def spreadsheet_cells(rows: Iterator[list]) -> Iterator[list]:
    """Rows with every typed-text value made safe for a spreadsheet (`safe_cell`)."""
    text_indexes = [index for index, column in enumerate(COLUMNS) if column.text]
    joined = [index for index, column in enumerate(COLUMNS) if column.joined]
    for values in rows:
        for index in joined:
            values[index] = SEPARATOR.join(values[index])
        for index in text_indexes:
            values[index] = safe_cell(values[index])
        yield values


# CSV ---------------------------------------------------------------------------------------------

def csv_stream(rows: Iterator[list]) -> Iterator[bytes]:
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
    for values in spreadsheet_cells(rows):
        writer.writerow(values)  # None is written as an empty field
        if buffer.tell() >= CHUNK:
            yield flush()
    yield flush()


# JSON --------------------------------------------------------------------------------------------

def json_stream(rows: Iterator[list]) -> Iterator[bytes]:
    """A JSON array of objects keyed by `Column.key`; UTF-8, Chinese kept as is, text as typed."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    keys = [column.key for column in COLUMNS]
    parts, size, separator = ["["], 1, "\n"
    for values in rows:
        item = separator + encode(dict(zip(keys, values)))
        parts.append(item)
        size += len(item)
        separator = ",\n"
        if size >= CHUNK:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")
