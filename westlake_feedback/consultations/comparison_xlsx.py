"""The comparison table (修改对照表) as an XLSX sheet: 序号 / 原条文 / 修改后条文 / 修改理由.

Changes are rich text inside the cells: deleted words struck through in 原条文, inserted words
underlined and bold in 修改后条文, as in the DOCX. Every text goes through
`exports_safety.safe_cell` (a text that starts like a formula gets a leading apostrophe; control
characters XML cannot hold are removed), rich text included.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..exports_safety import ILLEGAL_XML_CHARACTERS, is_risky, safe_cell
from .comparison import HEADERS, NO_NEW_TEXT, NO_OLD_TEXT, as_rows, sides

SHEET = "修改对照表"
COLUMNS = (("序号", 8), (HEADERS[0], 60), (HEADERS[1], 60), (HEADERS[2], 36))
DELETED = InlineFont(strike=True)
INSERTED = InlineFont(u="single", b=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _rich(label: str, parts: list[tuple[str, str]], placeholder: str):
    """A cell value: plain text when nothing is marked, else CellRichText. A text that starts like
    a formula gets safe_cell's apostrophe in front of its first piece."""
    if not parts:
        return safe_cell(placeholder)
    pieces = ([("equal", label + "　")] if label else []) + list(parts)
    pieces = [(op, ILLEGAL_XML_CHARACTERS.sub("", text)) for op, text in pieces]
    pieces = [(op, text) for op, text in pieces if text]
    if is_risky("".join(text for _, text in pieces)):
        pieces[0] = (pieces[0][0], "'" + pieces[0][1])
    if all(op == "equal" for op, _ in pieces):
        return "".join(text for _, text in pieces)
    return CellRichText([text if op == "equal" else TextBlock(DELETED if op == "delete" else INSERTED, text)
                         for op, text in pieces])


def build_comparison_xlsx(rows: Iterable, title: str) -> bytes:
    """The XLSX bytes of a comparison table of `rows` (ComparisonRow or (old, new, reason))."""
    rows = as_rows(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    wb.properties.title, wb.properties.language = safe_cell(title), "zh-CN"
    ws.append([name for name, _ in COLUMNS])
    for index, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
        cell = ws.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="E7E6E6")
        cell.border, cell.alignment = Border(bottom=Side(style="thin", color="999999")), WRAP
    for number, row in enumerate(rows, 1):
        old, new = sides(row)
        values = (number, _rich(row.old_label, old, NO_OLD_TEXT), _rich(row.new_label, new, NO_NEW_TEXT),
                  safe_cell(row.reason))
        for index, value in enumerate(values, 1):
            ws.cell(row=number + 1, column=index, value=value).alignment = WRAP
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:D{max(len(rows) + 1, 1)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
