"""The report as a DOCX in the manner of a Chinese official document (GB/T 9704 habits).

A4 with 3.7/3.5/2.8/2.6 cm margins; title in 宋体 二号 (22 pt) bold and centred; 一、 headings in
黑体 and （一） headings in 楷体, both 三号 (16 pt); body in 仿宋 三号 with a two-character indent
and fixed 28 pt lines; tables in 宋体 五号 with full borders and a repeated header row; page numbers
"— 1 —" in the footer. Fonts are named in w:eastAsia so Word and WPS pick the Chinese faces;
LibreOffice substitutes whatever CJK font the system has.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from . import charts, docx_rows, narrative
from .data import ReportInput
from .docx_rows import RowTemplate
from .figures import ReportStats
from .labels import ADOPTION_COLUMNS, HEADINGS, cn_date, percent

LATIN = "Times New Roman"
BODY_PT, TABLE_PT = 16, 10.5
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6
# Characters XML cannot hold, and lone surrogates (no UTF-8 for them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _fonts(rpr_owner, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set Latin and East Asian font (and size, weight, black colour) on a style or a run."""
    font = rpr_owner.font
    font.name = LATIN
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", east_asia), ("w:cs", LATIN)):
        fonts.set(qn(attr), value)


def _paragraph_format(style, *, align=None, indent: float | None = None, line: float | None = BODY_PT * 1.75,
                      before: float = 0, after: float = 0) -> None:
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = Pt(indent or 0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.0)

    styles = doc.styles
    # The document's language, so spell-check and line breaking treat it as Chinese.
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        defaults.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")

    _fonts(styles["Normal"], "仿宋", BODY_PT)
    _paragraph_format(styles["Normal"], align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=BODY_PT * 2)

    title = styles["Title"]
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _fonts(title, "宋体", 22, bold=True)
    _paragraph_format(title, align=WD_ALIGN_PARAGRAPH.CENTER, line=36, after=6)

    subtitle = styles["Subtitle"]
    _fonts(subtitle, "楷体", 14, bold=False)
    subtitle.font.italic = False
    _paragraph_format(subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, line=28, after=12)

    for name, face in (("Heading 1", "黑体"), ("Heading 2", "楷体")):
        style = styles[name]
        _fonts(style, face, BODY_PT, bold=False)
        _paragraph_format(style, indent=BODY_PT * 2, line=BODY_PT * 1.75)
        style.paragraph_format.keep_with_next = True

    caption = styles["Caption"]
    _fonts(caption, "黑体", 12, bold=False)
    _paragraph_format(caption, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, before=8, after=4)
    caption.paragraph_format.keep_with_next = True

    cell = styles.add_style("Table Text", 1)
    cell.base_style = styles["Normal"]
    _fonts(cell, "宋体", TABLE_PT)
    _paragraph_format(cell, align=WD_ALIGN_PARAGRAPH.LEFT, line=None)
    head = styles.add_style("Table Heading", 1)
    head.base_style = cell
    _fonts(head, "黑体", TABLE_PT, bold=False)
    _paragraph_format(head, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
    figure = styles.add_style("Figure", 1)
    figure.base_style = styles["Normal"]
    _paragraph_format(figure, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)

    _page_numbers(section.footer.paragraphs[0])


def _field(paragraph, instruction: str, placeholder: str) -> None:
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, placeholder), ("end", None)):
        run = paragraph.add_run()
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            run.text = text
            continue
        run._r.append(element)


def _page_numbers(paragraph) -> None:
    """"— 1 —" centred in the footer, in 宋体 四号 as official documents print it."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    _field(paragraph, " PAGE ", "1")
    paragraph.add_run(" —")
    for run in paragraph.runs:
        _fonts(run, "宋体", 14)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)
    cant_split = OxmlElement("w:cantSplit")
    trpr.append(cant_split)


def shade(cell, fill: str = "E7E6E6") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def clean(text) -> str:
    """Text XML can hold: comments may carry control characters that would abort the save."""
    return _ILLEGAL_XML.sub("", "" if text is None else str(text))


class Writer:
    def __init__(self) -> None:
        self.doc = Document()
        _setup(self.doc)
        self.cell_style_id = self.doc.styles["Table Text"].style_id
        self.tables = 0
        self.rows: dict[str, bytes] = {}  # each table's data rows as XML, put in at save

    def para(self, text: str, style: str | None = None) -> None:
        self.doc.add_paragraph(clean(text), style=style)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_paragraph(clean(text), style=f"Heading {level}")

    def table(self, caption: str, headers, rows, widths_cm, numeric=()) -> None:
        """A bordered table with a numbered caption above it ("表3　各部分意见数") and a header row
        that repeats on every page."""
        self.tables += 1
        self.doc.add_paragraph(f"表{self.tables}　{caption}", style="Caption")
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        scale = min(1.0, TEXT_WIDTH_CM / sum(widths_cm))
        widths = [Cm(w * scale) for w in widths_cm]
        for column, width in zip(table.columns, widths):
            column.width = width      # the grid LibreOffice lays out by
        header = table.rows[0]
        repeat_header(header)
        for cell, text, width in zip(header.cells, headers, widths):
            cell.width = width
            cell.paragraphs[0].style = "Table Heading"
            cell.paragraphs[0].add_run(str(text))
            shade(cell)
        # One styled template row, written out as text for every data row (docx_rows.py): built
        # as elements, the 50,000 rows of a large adoption table took most of the build.
        template = table.add_row()._tr
        template.get_or_add_trPr().append(OxmlElement("w:cantSplit"))   # a row stays on one page
        for i, tc in enumerate(template.tc_lst):
            paragraph = tc.p_lst[0]
            paragraph.style = self.cell_style_id
            if i in numeric:
                paragraph.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
        tbl = template.getparent()
        self.rows[f"rows-{self.tables}"] = RowTemplate(template).rows_xml(rows, clean)
        tbl.replace(template, docx_rows.marker(self.tables))

    def picture(self, png: bytes, title: str, desc: str) -> None:
        self.doc.add_paragraph(style="Figure").add_run().add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
        doc_pr = self.doc.inline_shapes[-1]._inline.docPr
        doc_pr.set("title", title)
        doc_pr.set("descr", desc)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return docx_rows.splice(buffer.getvalue(), self.rows)


def _tally_rows(tallies, whole: int):
    return [(t.label, t.count, percent(t.count, whole)) for t in tallies]


def build_docx(stats: ReportStats, report_input: ReportInput) -> bytes:
    w = Writer()
    props = w.doc.core_properties
    props.title = narrative.report_title(report_input)
    props.subject = report_input.title
    props.author = report_input.issuer or ""
    props.revision = max(report_input.version, 1)
    props.created = props.modified = report_input.generated_at.replace(tzinfo=None)
    props.language = "zh-CN"

    w.para(narrative.report_title(report_input), "Title")
    w.para(narrative.version_line(report_input), "Subtitle")
    w.para(narrative.intro(stats, report_input))

    w.heading(HEADINGS["overview"])
    w.para(narrative.overview(stats))
    if report_input.round_number:
        w.para(narrative.round_note(report_input))
    w.heading("（一）提交渠道", 2)
    w.table("按提交渠道统计", ("提交渠道", "意见数", "占比"), _tally_rows(stats.channels, stats.counted), (6, 3, 3), {1, 2})
    w.heading("（二）提交人身份", 2)
    w.table("按提交人身份统计", ("身份类型", "意见数", "占比"), _tally_rows(stats.identities, stats.counted), (6, 3, 3), {1, 2})
    if len(stats.per_round) > 1:  # as the HTML's （三）轮次 and the XLSX summary's 轮次 rows
        w.heading("（三）轮次", 2)
        w.table("按轮次统计", ("轮次", "意见数", "占比"), _tally_rows(stats.per_round, stats.counted), (6, 3, 3), {1, 2})

    w.heading(HEADINGS["per_day"])
    w.para(narrative.per_day(stats))
    chart = charts.per_day_chart(stats)
    w.picture(charts.vertical_bar_png(chart), chart.title, chart.desc)
    w.table("每日收到意见数", ("日期", "意见数"), [(cn_date(d.day), d.count) for d in stats.per_day], (6, 3), {1})

    w.heading(HEADINGS["distribution"])
    w.para(narrative.distribution(stats))
    w.heading("（一）各部分意见数", 2)
    w.table("各部分意见数", ("部分", "牵头部门", "意见数", "占比"),
            [(s.display, s.lead_department or "", s.count, percent(s.count, stats.counted)) for s in stats.sections],
            (7.5, 4, 2, 2), {2, 3})
    w.heading("（二）意见最多的条款", 2)
    groups = stats.groups
    w.table("意见最多的条款（前10位）", ("排名", "条款", "意见数", "不同意见数"),
            [(i, c.display, c.count, groups.per_clause.get(c.number, 0)) for i, c in enumerate(stats.top_clauses[:10], 1)],
            (1.5, 10, 2.2, 2.3), {0, 2, 3})
    w.heading("（三）内容相同或高度相似的意见", 2)
    w.para(groups.sentence())
    if groups.top:
        w.table("条数最多的相似意见组", ("排名", "条数", "条款", "代表性意见"),
                [(g.rank, g.size, g.clause_display, g.text) for g in groups.top], (1.5, 1.8, 4.2, 8), {0, 1})
    w.heading("（四）意见标签", 2)
    if groups.tags:
        w.table("各标签意见数", ("标签", "说明", "意见数", "不同意见数"),
                [(t.name, t.description, t.comments, t.opinions) for t in groups.tags], (3.5, 7.5, 2.2, 2.3), {2, 3})
    else:
        w.para("本次征求意见未设置标签。")

    w.heading(HEADINGS["stance"])
    stance_headers = ("条款", *(t.label for t in stats.stances), "合计")
    stance_rows = [(r.display, *(r.counts[t.key] for t in stats.stances), r.total) for r in stats.stance_rows]
    stance_rows.append(("合计", *(t.count for t in stats.stances), stats.counted))
    numeric = set(range(1, len(stance_headers)))
    w.table("各条款意见倾向", stance_headers, stance_rows, (6.5, *([1.8] * (len(stance_headers) - 1))), numeric)

    w.heading(HEADINGS["keywords"])
    w.para(narrative.keywords_note())
    w.table("各部分意见高频词", ("部分", "意见数", "高频词（出现次数）"),
            [(k.display, k.comments, "、".join(f"{word}（{count}）" for word, count in k.keywords) or "—")
             for k in stats.keywords_by_section], (4.5, 1.8, 9.3), {1})

    w.heading(HEADINGS["moderation"])
    w.table("审核情况", ("审核结果", "意见数", "占收到意见比例"),
            _tally_rows(stats.moderation, stats.received), (6, 3, 3.5), {1, 2})

    w.heading(HEADINGS["adoption"])
    w.para(narrative.decisions(stats))
    w.heading("（一）答复情况统计", 2)
    w.table("答复情况统计", ("处理结果", "意见数", "占比"), _tally_rows(stats.decisions, stats.counted), (6, 3, 3), {1, 2})
    w.heading("（二）意见采纳情况表", 2)
    if stats.adoption_rows:
        w.table("意见采纳情况", ADOPTION_COLUMNS,
                [(r.seq, r.clause_display, r.summary, r.decision_label, r.response) for r in stats.adoption_rows],
                (1.2, 3.2, 5.3, 2.1, 4.4), {0, 3})
    else:
        w.para("尚无已作出答复的意见。")
    w.heading("（三）条款综合答复", 2)
    if stats.clause_responses:
        for response in stats.clause_responses:
            paragraph = w.doc.add_paragraph()
            paragraph.add_run(clean(f"{response.clause_display}：")).bold = True
            paragraph.add_run(clean(response.text))
    else:
        w.para("尚无条款综合答复。")
    return w.save()
