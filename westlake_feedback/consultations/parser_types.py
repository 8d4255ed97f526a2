"""What the draft parser returns: ParsedDraft and its parts, the line accounting, the error."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


class DraftParseError(ValueError):
    """The text cannot be understood; `line` is 1-based and names where it went wrong."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class LineUse:
    """One piece of one source line and where it went.

    destination is one of: "ignored" (page chrome: breadcrumbs, print buttons, separators),
    "meta" (page metadata such as 索引号/发布日期, contact lines, the signature), "notice_title",
    "notice", "title", "toc" (a table of contents), "preamble", "section:N" (the heading line of
    section N), "intro:N" (section N's intro), "subsection" (a 第X节 heading), "heading:N" (clause
    N's heading written alone on its line), "clause:N" (clause N's text, with its marker), "closing".
    The pieces of a line, in order, make up the whole line (whitespace aside)."""
    line: int
    destination: str
    text: str


@dataclass
class ParsedClause:
    number: int            # 1, 2, ... (第十二条 -> 12)
    label: str             # the marker as written: "1." or "第十二条"
    title: str             # heading alone on its line, bracketed title, else the first sentence without its 。
    text: str              # everything after the marker (and after a heading written alone on its line)
    line: int              # 1-based line where the clause starts
    subsection: str | None = None  # "第一节 一般规定" when the article sits under a 节 (see parser_body)


@dataclass
class ParsedSection:
    number: int            # 1-based order
    label: str             # "一、" or "第一章"
    heading: str           # "扩大有效投资政策" (without label and lead-department note)
    lead_department: str | None   # "区发改经信局" from "(由区发改经信局牵头实施)"
    intro: str             # paragraphs between heading and first clause
    clauses: list[ParsedClause] = field(default_factory=list)
    line: int = 0


@dataclass
class ParsedDraft:
    title: str | None = None              # draft title, e.g. 关于推动经济高质量发展的若干政策(征求意见稿)
    notice_title: str | None = None       # e.g. 关于对《…》征求意见的通知
    notice_text: str = ""                 # the notice body (how to comment etc.)
    issuer: str | None = None             # 西湖区政府办公室 (the signature, else the page or notice title)
    index_number: str | None = None       # 索引号
    document_number: str | None = None    # 文号
    published_at: datetime | None = None  # local (Asia/Shanghai) naive; 00:00 when only a date is given
    opens_on: date | None = None          # first day comments are accepted (local date)
    closes_on: date | None = None         # last day comments are accepted, inclusive (local date)
    contact_person: str | None = None
    postal_address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    preamble: str = ""                    # text before the first section/clause, incl. 起草说明
    closing_text: str = ""                # text after the last clause
    metadata_text: str = ""               # page metadata, contact and signature lines, as written
    ignored_text: str = ""                # page chrome left out of every text (breadcrumbs, 打印本页, |)
    toc_text: str = ""                    # a table of contents (目录) before the draft
    sections: list[ParsedSection] = field(default_factory=list)
    loose_clauses: list[ParsedClause] = field(default_factory=list)  # clauses before any section
    accounting: list[LineUse] = field(default_factory=list, compare=False, repr=False)

    @property
    def all_clauses(self) -> list[ParsedClause]:
        return self.loose_clauses + [c for s in self.sections for c in s.clauses]
