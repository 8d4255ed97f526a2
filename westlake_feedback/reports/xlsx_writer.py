"""The report as an XLSX workbook: one sheet per table, header rows frozen, text wrapped.

Every value goes through `exports_safety.safe_cell`, so comment text that looks like a formula
(=HYPERLINK(...), ＝1+1, @SUM(1), a leading tab) is stored as plain text. openpyxl makes the
workbook (write-only), its styles and each sheet with its header row; the data rows, 400,000
cells in a report of 100,000 comments with 50,000 answers, are written as XML by xlsx_rows.py.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..exports_safety import safe_cell
from . import narrative
from .data import ReportInput
from .figures import ReportStats
from .labels import ADOPTION_COLUMNS, cn_datetime, window_text
from .ooxml import rewrite_parts
from .xlsx_rows import SheetRows, insert_rows

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
THIN = Side(style="thin", color="999999")
HEADER_BORDER = Border(bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"

SHEETS = ("概况", "各部分", "条款意见数", "条款意见倾向", "每日提交", "关键词", "意见采纳情况", "条款综合答复", "相似意见组", "标签")


def _share(part: int, whole: int):
    return part / whole if whole else None


def _styled(ws, alignment: Alignment, number_format: str | None = None, font=None, fill=None, border=None):
    """A write-only cell with its style set: openpyxl registers the style in the workbook."""
    cell = WriteOnlyCell(ws)
    cell.alignment = alignment
    if number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font, cell.fill, cell.border = font, fill, border
    return cell


class _Book:
    """A write-only workbook whose sheets get their data rows from xlsx_rows, put in at save."""

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        self.rows: list[tuple[object, bytes]] = []  # (worksheet, its data rows as XML)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.wb.save(buffer)
        # A sheet's part name (xl/worksheets/sheetN.xml) is set when the workbook is saved.
        return rewrite_parts(buffer.getvalue(), {ws.path.lstrip("/"): insert_rows(xml) for ws, xml in self.rows})


def _sheet(book: _Book, title: str, columns: list[tuple[str, float]], rows, percent_cols=(), date_cols=()):
    """A sheet with a bold frozen header row, fixed column widths, wrapped text and a filter.

    openpyxl writes the sheet with its header row (write-only: widths, panes and page setup come
    before the first row); the data rows are written as XML by xlsx_rows, every cell with its
    column's style, and put in when the workbook is saved."""
    ws = book.wb.create_sheet(title)
    rows = [[safe_cell(value) for value in values] for values in rows]
    ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    # openpyxl writes <dimension ref> only for a sheet that can work it out, which a write-only
    # one cannot; readers such as openpyxl's read-only mode size a sheet by it.
    ws.calculate_dimension = lambda: ref
    for index, (_, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    # Printed: A4, as wide as the page, header row repeated on every page.
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(w for _, w in columns) > 90 else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    header = []
    for name, _ in columns:
        cell = _styled(ws, HEADER_ALIGNMENT, font=HEADER_FONT, fill=HEADER_FILL, border=HEADER_BORDER)
        cell.value = safe_cell(name)
        header.append(cell)
    ws.append(header)
    styles = [_styled(ws, WRAP, PERCENT if index in percent_cols else DATE if index in date_cols else None).style_id
              for index in range(1, len(columns) + 1)]
    book.rows.append((ws, SheetRows(styles, date_cols).xml(rows)))
    ws.auto_filter.ref = ref
    return ws


def _summary_rows(stats: ReportStats, report_input: ReportInput):
    rows = [
        ("基本信息", "报告标题", narrative.report_title(report_input), None),
        ("基本信息", "征求意见稿", report_input.title, None),
        ("基本信息", "发布单位", report_input.issuer or "", None),
        ("基本信息", "征求意见期间", window_text(report_input.opens_at, report_input.closes_at), None),
        ("基本信息", "报告版本", report_input.version, None),
        ("基本信息", "生成时间（北京时间）", cn_datetime(report_input.generated_at), None),
        *([("基本信息", "轮次", f"仅第{report_input.round_number}轮的意见", None)] if report_input.round_number else []),
        ("总体", "收到意见", stats.received, None),
        ("总体", "垃圾信息（不计入统计）", stats.excluded, _share(stats.excluded, stats.received)),
        ("总体", "计入统计的意见", stats.counted, _share(stats.counted, stats.received)),
        ("总体", "参与人数", stats.participants, None),
        ("总体", "内容相同或高度相似的意见", stats.groups.repeated if stats.groups else 0, None),
        ("总体", "相似意见组数", stats.groups.groups if stats.groups else 0, None),
        ("总体", "不同意见数", stats.groups.opinions if stats.groups else stats.counted, None),
        ("总体", "收到意见的条款数", stats.commented_clauses, None),
        ("总体", "针对整体的意见", stats.clauses[0].count, _share(stats.clauses[0].count, stats.counted)),
    ]
    for group, tallies, whole in (
        ("提交渠道", stats.channels, stats.counted),
        ("提交人身份", stats.identities, stats.counted),
        ("意见倾向", stats.stances, stats.counted),
        ("审核结果", stats.moderation, stats.received),
        ("答复情况", stats.decisions, stats.counted),
    ):
        rows += [(group, t.label, t.count, _share(t.count, whole)) for t in tallies]
    if len(stats.per_round) > 1:
        rows += [("轮次", t.label, t.count, _share(t.count, stats.counted)) for t in stats.per_round]
    return rows


def build_xlsx(stats: ReportStats, report_input: ReportInput) -> bytes:
    book = _Book()
    props = book.wb.properties
    props.title = narrative.report_title(report_input)
    props.subject = report_input.title
    props.creator = report_input.issuer or "westlake-feedback"
    props.version = str(report_input.version)
    props.created = props.modified = report_input.generated_at.replace(tzinfo=None)
    props.language = "zh-CN"

    _sheet(book, "概况", [("类别", 14), ("项目", 24), ("数值", 48), ("占比", 10)],
           _summary_rows(stats, report_input), percent_cols={4})
    _sheet(book, "各部分", [("部分", 36), ("牵头部门", 20), ("意见数", 10), ("占比", 10)],
           [(s.display, s.lead_department or "", s.count, _share(s.count, stats.counted)) for s in stats.sections],
           percent_cols={4})
    rank = {c.number: i for i, c in enumerate(stats.top_clauses, 1)}
    sections = {s.number: s.display for s in stats.sections if s.number is not None}
    groups = stats.groups
    _sheet(book, "条款意见数", [("条款序号", 10), ("条款", 44), ("所属部分", 30), ("意见数", 10), ("排名", 8),
                            ("不同意见数", 12)],
           [(c.number if c.number is None or c.number > 0 else None,  # < 0: a clause an earlier round deleted
             c.display, sections.get(c.section_number, ""), c.count, rank.get(c.number),
             groups.per_clause.get(c.number, 0)) for c in stats.clauses])
    _sheet(book, "条款意见倾向",
           [("条款", 44), *((t.label, 10) for t in stats.stances), ("合计", 10)],
           [(r.display, *(r.counts[t.key] for t in stats.stances), r.total) for r in stats.stance_rows]
           + [("合计", *(t.count for t in stats.stances), stats.counted)])
    _sheet(book, "每日提交", [("日期（北京时间）", 18), ("意见数", 10)],
           [(d.day, d.count) for d in stats.per_day], date_cols={1})
    keyword_rows = [("全部意见", i, word, count) for i, (word, count) in enumerate(stats.keywords_overall, 1)]
    for group in stats.keywords_by_section:
        keyword_rows += [(group.display, i, word, count) for i, (word, count) in enumerate(group.keywords, 1)]
    _sheet(book, "关键词", [("部分", 36), ("排名", 8), ("关键词", 16), ("出现次数", 10)], keyword_rows)
    widths = (8, 30, 60, 12, 50)
    _sheet(book, "意见采纳情况",
           [*zip(ADOPTION_COLUMNS, widths), ("回执编号", 14), ("公开署名", 14), ("轮次", 8)],
           [(r.seq, r.clause_display, r.summary, r.decision_label, r.response, r.receipt_code, r.name_public or "",
             r.round_number) for r in stats.adoption_rows])
    _sheet(book, "条款综合答复", [("条款", 40), ("综合答复", 90)],
           [(r.clause_display, r.text) for r in stats.clause_responses])
    _sheet(book, "相似意见组", [("排名", 8), ("条数", 10), ("条款", 40), ("代表性意见", 80)],
           [(g.rank, g.size, g.clause_display, g.text) for g in groups.top])
    _sheet(book, "标签", [("标签", 20), ("说明", 50), ("意见数", 10), ("不同意见数", 12)],
           [(t.name, t.description, t.comments, t.opinions) for t in groups.tags])
    return book.save()
