"""The comparison table (修改对照表) as a DOCX, in the usual three-column government layout:
原条文 / 修改后条文 / 修改理由, one row per changed clause, header row repeated on every page.

Deleted words are struck through in the old column, inserted words underlined and bold in the
new column (not colour: it survives black-and-white printing), and a note above the table says
so. Page, fonts and styles are those of the report (reports.docx_writer.Writer: A4, 宋体 五号
tables, "— 1 —" page numbers).
"""
from __future__ import annotations

from collections.abc import Iterable

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm

from ..reports.docx_writer import Writer, clean, repeat_header, shade
from .comparison import HEADERS, NO_NEW_TEXT, NO_OLD_TEXT, as_rows, sides

WIDTHS_CM = (6.2, 6.2, 3.2)
LEGEND = "说明：原条文中删除的文字以删除线标示，修改后条文中新增的文字以下划线加粗标示。"


def _cell_text(cell, label: str, parts: list[tuple[str, str]], placeholder: str) -> None:
    """Fill a cell: the label, then (op, text) runs; deletions struck, insertions underlined+bold."""
    paragraph = cell.paragraphs[0]
    paragraph.style = "Table Text"
    if not parts:
        paragraph.add_run(placeholder)
        return
    if label:
        paragraph.add_run(clean(label) + "　")
    for op, text in parts:
        run = paragraph.add_run(clean(text))        # "\n" becomes a line break
        if op == "delete":
            run.font.strike = True
        elif op == "insert":
            run.font.underline = True
            run.font.bold = True


def build_comparison_docx(rows: Iterable, title: str, subtitle: str | None = None) -> bytes:
    """The DOCX bytes of a comparison table of `rows` (ComparisonRow or (old, new, reason))."""
    rows = as_rows(rows)
    w = Writer()
    props = w.doc.core_properties
    props.title, props.language = clean(title), "zh-CN"
    w.para(title, "Title")
    if subtitle:
        w.para(subtitle, "Subtitle")
    w.para(LEGEND)
    table = w.doc.add_table(rows=1, cols=len(HEADERS))
    table.style = w.doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(x) for x in WIDTHS_CM]
    for column, width in zip(table.columns, widths):
        column.width = width
    header = table.rows[0]
    repeat_header(header)
    for cell, text, width in zip(header.cells, HEADERS, widths):
        cell.width = width
        cell.paragraphs[0].style = "Table Heading"
        cell.paragraphs[0].add_run(text)
        shade(cell)
    for row in rows:
        cells = table.add_row().cells
        old, new = sides(row)
        _cell_text(cells[0], row.old_label, old, NO_OLD_TEXT)
        _cell_text(cells[1], row.new_label, new, NO_NEW_TEXT)
        _cell_text(cells[2], "", [("equal", row.reason)] if row.reason else [], "")
        for cell, width in zip(cells, widths):
            cell.width = width
    return w.save()
