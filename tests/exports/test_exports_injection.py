"""Text that a spreadsheet could run as a formula comes out as text in CSV and XLSX."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from helpers import make_comment
from westlake_feedback.extensions import db  # noqa: F401

PAYLOADS = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＠SUM(A1)", "－1", "\u3000=1"]
TRIGGERS = tuple("=+-@\t\r＝＋－＠\u3000")


@pytest.fixture
def risky(seeded, staff, app):
    with app.app_context():
        for index, payload in enumerate(PAYLOADS):
            make_comment(clause=12, body=payload, name=payload, organisation=payload, phone=f"1380000{index:04d}")


def test_csv_cells_are_neutralised(risky, login_as):
    data = login_as("admin").get("/staff/c/xihu-2023-demo/export.csv?clause=12").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(PAYLOADS)
    seen = set()
    for row in rows:
        for key in ("意见内容", "姓名", "单位"):
            assert row[key].startswith("'"), row[key]
            assert not row[key].startswith(TRIGGERS)
            seen.add(row[key][1:])
        for value in row.values():
            assert not value.startswith(TRIGGERS), value
    assert seen == set(PAYLOADS)  # kept in full behind the apostrophe


def test_xlsx_cells_are_text_not_formulas(risky, login_as):
    data = login_as("admin").get("/staff/c/xihu-2023-demo/export.xlsx?clause=12").data
    wb = load_workbook(io.BytesIO(data))
    ws = wb["意见"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert cell.data_type in ("s", "n"), (cell.coordinate, cell.data_type, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(TRIGGERS), cell.value
        texts = {cell.value for cell in (row[9], row[10], row[13])}  # 单位, 姓名, 意见内容
        assert len(texts) == 1 and next(iter(texts)).lstrip("'") in PAYLOADS
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_json_keeps_the_text_as_typed(risky, login_as):
    import json
    items = json.loads(login_as("admin").get("/staff/c/xihu-2023-demo/export.json?clause=12").data)
    assert {item["body"] for item in items} == set(PAYLOADS)
