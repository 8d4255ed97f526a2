"""A worksheet's data rows as XML text, byte for byte what openpyxl writes for the same cells.

openpyxl spends 13-20 µs on a cell (a Cell object, type inference, the style's index looked up,
lxml's incremental writer), so the 400,000 cells of a report with 50,000 answers took most of its
build; this takes about 1 µs. openpyxl still makes the workbook, its styles, every sheet with its
header row, widths, panes, filter and page setup (xlsx_writer.py); these rows go in before the
sheet's `</sheetData>` after it has saved (ooxml.rewrite_parts). tests/reports/test_report_xlsx.py
compares the text with openpyxl's own for every kind of value.

Each cell carries its column's style index (`s`). Values: str as an inline string (never a
formula: the writer has no such case, and `safe_cell` has already put an apostrophe before text
that looks like one; openpyxl would also make "#N/A" and its kind error cells, this keeps them
text), int and float as numbers, bool, date and datetime (as Excel serial numbers, in a column
whose style has a date format), None as an empty styled cell.
"""
from __future__ import annotations

import math
import re
from datetime import date

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH, to_excel

from .ooxml import escape_text

MAX_TEXT = 32767  # Excel's limit on a cell's text; openpyxl cuts longer text there
_SURROGATES = re.compile("[\ud800-\udfff]")  # no UTF-8 or character reference for them
SHEET_DATA_END = b"</sheetData>"


def _number(value) -> str:
    return "" if math.isnan(value) or math.isinf(value) else "%.16g" % value


class SheetRows:
    """The rows of one sheet whose columns have the given style indexes (openpyxl's style_id)."""

    def __init__(self, style_ids: list[int], date_columns=()) -> None:
        self.columns = [(get_column_letter(i), f' s="{style}"', i in date_columns)
                        for i, style in enumerate(style_ids, 1)]

    def cell(self, letter: str, row: str, style: str, is_date_column: bool, value) -> str:
        ref = f'<c r="{letter}{row}"{style}'
        if value is None:
            return ref + ' t="n"></c>'
        if isinstance(value, str):
            if not value:
                return ref + ' t="inlineStr"></c>'
            text = value[:MAX_TEXT]
            if _SURROGATES.search(text):
                text = _SURROGATES.sub("", text)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            text = escape_text(text).replace("\r", "&#13;")
            return f'{ref} t="inlineStr"><is><t{space}>{text}</t></is></c>'
        if isinstance(value, bool):
            return f'{ref} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'{ref} t="n"><v>{_number(value)}</v></c>'
        if isinstance(value, date):  # and datetime
            if not is_date_column:
                raise TypeError(f"a date in column {letter}, which has no date format")
            if getattr(value, "tzinfo", None) is not None:
                raise TypeError("Excel has no time zones: give the date or a naive datetime")
            return f'{ref} t="n"><v>{_number(to_excel(value, WINDOWS_EPOCH))}</v></c>'
        raise TypeError(f"cannot write {type(value).__name__} to a report cell")

    def xml(self, rows, first_row: int = 2) -> bytes:
        """`<row>` elements for `rows` (each as many values as columns), numbered from first_row;
        non-ASCII characters as character references, as openpyxl writes them."""
        out, cell, columns = [], self.cell, self.columns
        for number, values in enumerate(rows, first_row):
            if len(values) != len(columns):
                raise ValueError(f"row {number} has {len(values)} values for {len(columns)} columns")
            row = str(number)
            cells = "".join([cell(letter, row, style, is_date, value)
                             for (letter, style, is_date), value in zip(columns, values)])
            # Encoded row by row: one long str would take 2-4 bytes a character for all of it.
            out.append(f'<row r="{row}">{cells}</row>'.encode("ascii", "xmlcharrefreplace"))
        return b"".join(out)


def insert_rows(rows_xml: bytes):
    """A rewrite for ooxml.rewrite_parts: the rows put at the end of the sheet's sheetData."""

    def rewrite(sheet: bytes) -> bytes:
        if sheet.count(SHEET_DATA_END) != 1:
            raise ValueError("a worksheet without exactly one </sheetData>")
        return sheet.replace(SHEET_DATA_END, rows_xml + SHEET_DATA_END)

    return rewrite
