"""The comparison table's parts: the word-level diff and its HTML, the rows built from an
alignment, and the DOCX / XLSX files read back with python-docx and openpyxl.

Pure library tests: no app, no database.
"""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock

from redrafts import Redraft, seed_text
from westlake_feedback.consultations.alignment import ClauseText, align_clauses
from westlake_feedback.consultations.comparison import HEADERS, ComparisonRow, rows_from_alignment, sides
from westlake_feedback.consultations.comparison_docx import LEGEND, build_comparison_docx
from westlake_feedback.consultations.comparison_xlsx import SHEET, build_comparison_xlsx
from westlake_feedback.consultations.parser import parse_draft
from westlake_feedback.consultations.textdiff import Segment, diff_segments, has_changes, render_html, side_by_side

OLD_12 = "实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高200万元资助。"
NEW_12 = "实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高300万元资助。"


def texts(segments, *ops):
    return "".join(s.text for s in segments if s.op in ops)


# ------------------------------------------------------------------ diff
@pytest.mark.parametrize("old, new", [
    (OLD_12, NEW_12),
    ("加强土地要素保障。", "强化土地要素保障，简化用地审批。"),
    ("第一段。\n第二段。", "第一段。\n第二段，有补充。\n第三段。"),
    ("", "全新条文"),
    ("整条删除", ""),
    ("相同", "相同"),
    ("<script>alert(1)</script>", "<script>alert(2)</script>"),
])
def test_segments_rebuild_both_texts(old, new):
    segments = diff_segments(old, new)
    assert texts(segments, "equal", "delete") == old
    assert texts(segments, "equal", "insert") == new
    assert has_changes(segments) == (old != new)


def test_numbers_change_whole():
    assert diff_segments(OLD_12, NEW_12) == [
        Segment("equal", "实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高"),
        Segment("delete", "200"), Segment("insert", "300"), Segment("equal", "万元资助。")]
    assert diff_segments("增长16.4亿元", "增长18.2亿元") == [
        Segment("equal", "增长"), Segment("delete", "16.4"), Segment("insert", "18.2"), Segment("equal", "亿元")]


def test_crumbs_are_folded_into_readable_runs():
    # characters alone would give -加 强 +化: one shared character between two changes is folded
    assert diff_segments("加强土地要素保障", "强化土地要素保障") == [
        Segment("delete", "加强"), Segment("insert", "强化"), Segment("equal", "土地要素保障")]


def test_added_sentence_is_one_insertion():
    old = "对持续投入并增长显著的企业给予最高200万元资助。"
    new = "对持续投入并增长显著的企业给予最高300万元资助，对首次设立研发机构的企业给予最高50万元资助。"
    assert diff_segments(old, new) == [
        Segment("equal", "对持续投入并增长显著的企业给予最高"), Segment("delete", "200"), Segment("insert", "300"),
        Segment("equal", "万元资助"), Segment("delete", "。"), Segment("insert", "，对首次设立研发机构的企业给予最高50万元资助。")]
    assert diff_segments("甲项。乙项。丙项。", "甲项。丙项。丁项。") == [
        Segment("equal", "甲项。"), Segment("delete", "乙项。"), Segment("equal", "丙项。"), Segment("insert", "丁项。")]
    # two candidate phrases read alike: the earlier one is the edited one, the later one is added
    assert diff_segments("第一段。\n第二段。", "第一段。\n第二段，有补充。\n第三段。") == [
        Segment("equal", "第一段。\n第二段"), Segment("delete", "。"), Segment("insert", "，有补充。\n第三段。")]


def test_html_marks_changes_with_words_not_only_colour():
    old_html, new_html = side_by_side(OLD_12, NEW_12)
    assert old_html == ("实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高"
                        '<del class="diff-del"><span class="visually-hidden">[删除：</span>200'
                        '<span class="visually-hidden">]</span></del>万元资助。')
    assert new_html == ("实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高"
                        '<ins class="diff-ins"><span class="visually-hidden">[新增：</span>300'
                        '<span class="visually-hidden">]</span></ins>万元资助。')
    both = render_html(diff_segments(OLD_12, NEW_12))
    assert "<del" in both and "<ins" in both and both.index("[删除：") < both.index("[新增：")
    english = render_html(diff_segments("旧", "新"), delete_word="Deleted", insert_word="Inserted")
    assert "[Deleted：" in english and "[Inserted：" in english


def test_html_escapes_input():
    old_html, new_html = side_by_side('<img src=x onerror="alert(1)"> & 旧', '<img src=x onerror="alert(2)"> & 新\n次段')
    for html in (old_html, new_html):
        assert "<img" not in html and "&lt;img" in html and "&amp;" in html and "&#34;" in html
    assert "<br>" in new_html
    hostile = render_html(diff_segments("a", "b"), delete_word="<b>x</b>", insert_word="<i>")
    assert "<b>" not in hostile and "&lt;b&gt;x&lt;/b&gt;" in hostile and "&lt;i&gt;" in hostile


# ------------------------------------------------------------------ rows from an alignment
def test_rows_from_alignment_on_the_seed():
    old = parse_draft(seed_text())
    r = Redraft(seed_text(), "point").delete(3).edit(12, "给予最高200万元资助", "给予最高300万元资助")
    r.insert_after(20, "推动工业园区数字化改造。对完成改造的园区给予补助。").split(31, "对短期出口信用保险")
    new = parse_draft(r.text())
    old_c = [ClauseText.from_parsed(c) for c in old.all_clauses]
    new_c = [ClauseText.from_parsed(c) for c in new.all_clauses]
    a = align_clauses(old_c, new_c)
    reasons = {a.for_old(12): "根据意见提高资助标准"}
    rows = rows_from_alignment(a, old_c, new_c, reasons)
    assert [(r.old_label, r.new_label, r.reason) for r in rows] == [
        ("3.", "", ""), ("12.", "11.", "根据意见提高资助标准"), ("", "20.", ""), ("31.", "31.、32.", "")]
    assert rows[0].new == "" and rows[0].old.startswith("加强土地要素保障")
    assert rows[3].new == "\n".join(c.text for c in new.all_clauses[30:32])
    old_side, new_side = sides(rows[1])
    assert ("delete", "200") in old_side and ("insert", "300") in new_side


# ------------------------------------------------------------------ DOCX and XLSX
ROWS = [
    ComparisonRow(OLD_12, NEW_12, "根据意见提高资助标准", "第十二条", "第十一条"),
    ComparisonRow("加强土地要素保障。", "", "已由其他政策覆盖", "第三条", ""),
    ComparisonRow("", "推动工业园区数字化改造。", "新增", "", "第二十条"),
    ("=HYPERLINK(\"http://x\",\"点击\")旧", "=HYPERLINK(\"http://x\",\"点击\")新", "@SUM(1)\x07理由"),
]


def runs(cell):
    return [(r.text, bool(r.font.strike), bool(r.font.underline), bool(r.font.bold))
            for p in cell.paragraphs for r in p.runs]


def test_docx_three_columns_with_struck_and_underlined_runs():
    data = build_comparison_docx(ROWS, "《西湖区人民政府关于推动经济高质量发展的若干政策》修改对照表", "（修改稿）")
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:3] == ["《西湖区人民政府关于推动经济高质量发展的若干政策》修改对照表", "（修改稿）", LEGEND]
    assert document.core_properties.title.endswith("修改对照表")
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == list(HEADERS) == ["原条文", "修改后条文", "修改理由"]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")            # header repeats on every page
    assert len(table.rows) == 1 + len(ROWS)
    old, new, reason = table.rows[1].cells
    assert runs(old) == [("第十二条　", False, False, False),
                         ("实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高", False, False, False),
                         ("200", True, False, False), ("万元资助。", False, False, False)]
    assert runs(new) == [("第十一条　", False, False, False),
                         ("实施企业研发投入奖补政策。对持续投入并增长显著的企业给予最高", False, False, False),
                         ("300", False, True, True), ("万元资助。", False, False, False)]
    assert reason.text == "根据意见提高资助标准"
    deleted = table.rows[2].cells
    assert runs(deleted[0]) == [("第三条　", False, False, False), ("加强土地要素保障。", True, False, False)]
    assert deleted[1].text == "（删除）" and deleted[2].text == "已由其他政策覆盖"
    added = table.rows[3].cells
    assert added[0].text == "（新增）"
    assert runs(added[1]) == [("第二十条　", False, False, False), ("推动工业园区数字化改造。", False, True, True)]
    assert table.rows[4].cells[2].text == "@SUM(1)理由"          # control character removed, file still valid


def test_docx_keeps_line_breaks_and_empty_table():
    data = build_comparison_docx([("第一段。\n第二段。", "第一段。\n第二段，补充。", "")], "对照表")
    cell = docx.Document(io.BytesIO(data)).tables[0].rows[1].cells[1]
    assert "第一段。\n第二段" in cell.text and cell.paragraphs[0].runs[0]._r.xpath("./w:br")
    assert len(docx.Document(io.BytesIO(build_comparison_docx([], "对照表"))).tables[0].rows) == 1


def _plain(value) -> str:
    return "".join(b if isinstance(b, str) else b.text for b in value) if isinstance(value, CellRichText) else value


def _marked(value, attr: str) -> list[str]:
    return [b.text for b in value if isinstance(b, TextBlock) and getattr(b.font, attr)]


def test_xlsx_rich_text_and_formula_safety():
    data = build_comparison_xlsx(ROWS, "修改对照表")
    wb = load_workbook(io.BytesIO(data), rich_text=True)
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == ["序号", "原条文", "修改后条文", "修改理由"]
    assert ws.freeze_panes == "A2" and ws.max_row == 1 + len(ROWS)
    number, old, new, reason = (c.value for c in ws[2])
    assert number == 1 and reason == "根据意见提高资助标准"
    assert _plain(old) == "第十二条　" + OLD_12 and _marked(old, "strike") == ["200"]
    assert _plain(new) == "第十一条　" + NEW_12 and _marked(new, "u") == ["300"] and _marked(new, "b") == ["300"]
    assert _marked(old, "u") == [] and _marked(new, "strike") == []
    _, old, new, reason = (c.value for c in ws[3])
    assert _plain(old) == "第三条　加强土地要素保障。" and _marked(old, "strike") == ["加强土地要素保障。"]
    assert new == "（删除）"
    _, old, new, _ = (c.value for c in ws[4])
    assert old == "（新增）" and _marked(new, "u") == ["推动工业园区数字化改造。"]
    _, old, new, reason = (c.value for c in ws[5])
    assert _plain(old) == "'=HYPERLINK(\"http://x\",\"点击\")旧" and _plain(new).startswith("'=HYPERLINK")
    assert reason == "'@SUM(1)理由"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_xlsx_unchanged_text_is_plain_and_safe():
    ws = load_workbook(io.BytesIO(build_comparison_xlsx([("+1 相同", "+1 相同", "")], "t")), rich_text=True)[SHEET]
    assert ws["B2"].value == "'+1 相同" and ws["C2"].value == "'+1 相同"
