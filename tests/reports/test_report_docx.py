"""The DOCX: opens with python-docx, official-document layout, headings, tables, adoption table."""
from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from report_sample import many_answers_input
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.docx_writer import build_docx
from westlake_feedback.reports.labels import ADOPTION_COLUMNS, HEADINGS


@pytest.fixture(scope="module")
def document(sample_stats, sample_input):
    return Document(io.BytesIO(build_docx(sample_stats, sample_input)))


def table_with_header(document, header):
    found = [t for t in document.tables if tuple(c.text for c in t.rows[0].cells) == tuple(header)]
    return found[0] if found else None


def east_asian_font(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_title_and_headings_in_order(document):
    title = document.paragraphs[0]
    assert title.style.name == "Title"
    assert title.text == "关于《西湖区人民政府关于推动经济高质量发展的若干政策（征求意见稿）》公开征求意见情况的报告"
    assert document.paragraphs[1].text.startswith("第2版")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(HEADINGS.values())
    assert headings[0].startswith("一、") and headings[6].startswith("七、")
    assert "（一）提交渠道" in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]


def test_official_document_fonts_and_page(document):
    styles = document.styles
    assert east_asian_font(styles["Normal"]) == "仿宋"
    assert styles["Normal"].font.size.pt == 16
    assert east_asian_font(styles["Title"]) == "宋体" and styles["Title"].font.size.pt == 22
    assert east_asian_font(styles["Heading 1"]) == "黑体"
    assert east_asian_font(styles["Heading 2"]) == "楷体"
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert abs(section.top_margin - Cm(3.7)) < Cm(0.01) and abs(section.left_margin - Cm(2.8)) < Cm(0.01)
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml


def test_adoption_table(document, sample_stats):
    table = table_with_header(document, ADOPTION_COLUMNS)
    assert table is not None
    assert [c.text for c in table.rows[0].cells] == ["序号", "条款", "意见摘要", "是否采纳", "理由"]
    assert len(table.rows) == 1 + 16
    assert [c.text for c in table.rows[1].cells] == ["1", "总体意见", "整体赞成，文件的执行力度很关键。", "采纳", "答复0"]
    assert [r.cells[3].text for r in table.rows[5:9]] == ["采纳", "部分采纳", "不采纳", "解释说明"]
    assert table.rows[5].cells[1].text == "1.强化项目建设资金保障"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None   # header repeats across pages
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("总体意见：总体意见已逐条研究") for t in texts)


def test_count_tables_match_the_stats(document):
    sections = table_with_header(document, ("部分", "牵头部门", "意见数", "占比"))
    assert [[c.text for c in r.cells] for r in sections.rows[1:]] == [
        ["一、扩大有效投资政策", "区发改经信局", "13", "32.5%"],
        ["二、科技创新政策", "区科技局", "8", "20.0%"],
        ["三、现代服务业政策", "区商务局", "15", "37.5%"],
        ["总体意见", "", "4", "10.0%"],
    ]
    top = table_with_header(document, ("排名", "条款", "意见数", "不同意见数"))
    assert [r.cells[2].text for r in top.rows[1:]] == ["10", "9", "8", "6", "3"]
    assert [r.cells[3].text for r in top.rows[1:]] == ["10", "9", "8", "6", "3"]  # no clusters in the sample
    stance = table_with_header(document, ("条款", "赞成", "反对", "修改建议", "其他", "合计"))
    assert [c.text for c in stance.rows[-1].cells] == ["合计", "15", "7", "12", "6", "40"]
    channels = table_with_header(document, ("提交渠道", "意见数", "占比"))
    assert [c.text for c in channels.rows[1].cells] == ["网上提交", "25", "62.5%"]
    days = table_with_header(document, ("日期", "意见数"))
    assert len(days.rows) == 1 + 8 and [c.text for c in days.rows[3].cells] == ["2023年3月17日", "0"]
    moderation = table_with_header(document, ("审核结果", "意见数", "占收到意见比例"))
    assert [c.text for c in moderation.rows[4].cells] == ["垃圾信息", "2", "4.8%"]
    decisions = table_with_header(document, ("处理结果", "意见数", "占比"))
    assert [c.text for c in decisions.rows[5].cells] == ["尚未答复", "24", "60.0%"]
    keywords = table_with_header(document, ("部分", "意见数", "高频词（出现次数）"))
    assert keywords.rows[1].cells[2].text.startswith("停车位（26）")


def test_chart_picture_has_alt_text(document):
    assert len(document.inline_shapes) == 1
    doc_pr = document.inline_shapes[0]._inline.docPr
    assert doc_pr.get("title") == "每日收到意见数" and "合计40件" in doc_pr.get("descr")


def test_metadata(document):
    props = document.core_properties
    assert props.revision == 2 and props.author == "西湖区政府办公室"
    assert props.title.startswith("关于《")


def test_long_comment_is_summarised_and_empty_adoption_reads_so(input_factory):
    from dataclasses import replace

    base = input_factory()
    long_body = "很长的意见" * 40
    comments = [replace(c, body=long_body) if c.receipt_code == "R0000" else c for c in base.comments]
    report_input = input_factory(comments=comments)
    document = Document(io.BytesIO(build_docx(compute(report_input), report_input)))
    summary = table_with_header(document, ADOPTION_COLUMNS).rows[1].cells[2].text
    assert summary == long_body[:80] + "…"

    undecided = input_factory(comments=[replace(c, decision=None) for c in base.comments], clause_responses=[])
    document = Document(io.BytesIO(build_docx(compute(undecided), undecided)))
    assert table_with_header(document, ADOPTION_COLUMNS) is None
    texts = [p.text for p in document.paragraphs]
    assert "尚无已作出答复的意见。" in texts and "尚无条款综合答复。" in texts


def test_control_characters_and_line_breaks_in_comments(input_factory):
    from dataclasses import replace

    base = input_factory()
    comments = [replace(c, body="意见\x01正文\x0b", response="第一行\n第二行\x00") if c.receipt_code == "R0000" else c
                for c in base.comments]
    report_input = input_factory(comments=comments)
    document = Document(io.BytesIO(build_docx(compute(report_input), report_input)))
    row = table_with_header(document, ADOPTION_COLUMNS).rows[1]
    assert row.cells[2].text == "意见正文"
    assert row.cells[4].text == "第一行\n第二行"


def test_per_round_table_with_the_figures_of_the_other_formats(input_factory):
    """Comments on two rounds: the DOCX has the 按轮次统计 table, as the HTML and the XLSX summary do."""
    from dataclasses import replace

    import openpyxl

    from westlake_feedback.reports.xlsx_writer import build_xlsx

    base = input_factory()
    comments = [replace(c, round_number=2) if i % 4 == 0 else c for i, c in enumerate(base.comments)]
    report_input = input_factory(comments=comments)
    stats = compute(report_input)
    assert [(t.label, t.count) for t in stats.per_round] == [("第1轮", 30), ("第2轮", 10)]  # spam left out
    document = Document(io.BytesIO(build_docx(stats, report_input)))
    assert "（三）轮次" in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    table = table_with_header(document, ("轮次", "意见数", "占比"))
    assert table is not None
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows == [["第1轮", "30", "75.0%"], ["第2轮", "10", "25.0%"]]
    assert any(p.text.endswith("按轮次统计") for p in document.paragraphs if p.style.name == "Caption")
    summary = openpyxl.load_workbook(io.BytesIO(build_xlsx(stats, report_input)))["概况"]
    per_round = [r[1:3] for r in summary.iter_rows(min_row=2, values_only=True) if r[0] == "轮次"]
    assert [[label, str(count)] for label, count in per_round] == [row[:2] for row in rows]


def test_one_round_report_says_so_and_has_no_per_round_table(input_factory):
    report_input = input_factory(round_number=1)
    document = Document(io.BytesIO(build_docx(compute(report_input), report_input)))
    assert "本报告仅统计针对第1轮征求意见稿的意见。" in [p.text for p in document.paragraphs]
    assert table_with_header(document, ("轮次", "意见数", "占比")) is None
    plain = Document(io.BytesIO(build_docx(compute(input_factory()), input_factory())))
    assert not any("仅统计针对" in p.text for p in plain.paragraphs)


def test_many_answers_every_row_in_order_with_its_cells_and_styles():
    """The adoption table's rows are written as XML text (docx_rows.py): with 2,400 answers every
    row is there, in order, with its five cells' text, the cell style, the centred columns and
    cantSplit; the tables after it are intact."""
    from docx.table import _Cell

    report_input = many_answers_input()
    stats = compute(report_input)
    assert len(stats.adoption_rows) == 2400
    document = Document(io.BytesIO(build_docx(stats, report_input)))
    table = table_with_header(document, ADOPTION_COLUMNS)
    trs = table._tbl.tr_lst
    assert len(trs) == 1 + len(stats.adoption_rows)
    got = [[_Cell(tc, table).text for tc in tr.tc_lst] for tr in trs[1:]]
    expected = [[str(r.seq), r.clause_display, r.summary, r.decision_label, r.response] for r in stats.adoption_rows]
    assert got == expected
    assert any("\n" in row[4] for row in got) and any("a & b < c > d" in row[2] for row in got)
    assert any(row[2].startswith("<!--rows-9-->") for row in got)
    for tr in trs[1:]:
        assert tr.trPr.find(qn("w:cantSplit")) is not None and tr.trPr.find(qn("w:tblHeader")) is None
        paragraphs = [tc.p_lst[0] for tc in tr.tc_lst]
        assert {p.pPr.pStyle.val for p in paragraphs} == {document.styles["Table Text"].style_id}
        assert [p.pPr.jc_val for p in paragraphs] == [WD_ALIGN_PARAGRAPH.CENTER, None, None, WD_ALIGN_PARAGRAPH.CENTER, None]
        assert [tc.tcPr.tcW.w for tc in tr.tc_lst] == [tc.tcPr.tcW.w for tc in trs[0].tc_lst]
    decisions = table_with_header(document, ("处理结果", "意见数", "占比"))
    assert [c.text for c in decisions.rows[-1].cells] == ["尚未答复", "0", "0.0%"]
    texts = [p.text for p in document.paragraphs]
    assert texts.index("（二）意见采纳情况表") < texts.index("（三）条款综合答复")
