"""Turn the text of a consultation notice plus draft into a ParsedDraft.

Pure functions only: no database, no Flask. The importer service persists the result.
The work is split by concern: parser_markers (segments, markers, where the body starts),
parser_body (sections, clauses, closing text), parser_meta (front matter: page metadata, notice,
titles, 目录), parser_dates (numerals, dates, the comment window), parser_contacts (contacts and
the signature). The types are in parser_types.
"""
from __future__ import annotations

from flask_babel import gettext as _

from datetime import date

from .parser_body import Body
from .parser_markers import locate_body, segment
from .parser_meta import analyse_front
from .parser_types import DraftParseError, LineUse, ParsedClause, ParsedDraft, ParsedSection

__all__ = ["DraftParseError", "LineUse", "ParsedClause", "ParsedDraft", "ParsedSection", "parse_draft"]


def parse_draft(text: str, *, today: date | None = None) -> ParsedDraft:
    """Parse a consultation notice plus draft (or just a draft) into a ParsedDraft.

    Two body formats are recognised: policy documents with 一、 sections and continuously numbered
    1. 2. 3. clauses (or （一）（二） clauses), and regulations with 第X章 chapters and 第X条 articles.
    The body starts at the longest consecutive run of clause numbers starting at 1, so numbered
    points inside a notice or an 起草说明 before the draft never become clauses; a 目录 and the
    起草说明 stay out of the clauses. Markers run together on one line (flattened web pages) are split
    only after a sentence end and only when they carry the next expected number. A gap or a repeated
    number at the start of a line raises DraftParseError naming the line. 第X节 headings do not open
    sections: they are recorded as ParsedClause.subsection. A point whose heading stands alone on its
    line ("（二）改革目标") takes that heading as its title and the following paragraphs as its text.
    See parser_meta for the notice metadata and parser_dates for the comment-window rules
    (closes_on is the last day, inclusive).

    Nothing is dropped silently: `ParsedDraft.accounting` lists where every piece of every
    non-blank source line went (see LineUse).
    """
    segs = segment(text or "")
    if not segs:
        raise DraftParseError(_("文本为空，没有可以解析的内容，请粘贴征求意见通知或草案全文。"))
    kind, start = locate_body(segs)
    body = Body(segs, kind)
    body.run(start)
    front: list[tuple[int, str]] = []
    for g in segs[:start]:   # re-join run-on pieces, except a flattened 目录 and its chapter list
        if g.soft and front and not (g.raw.startswith("目") or g.mark and g.mark[0] in ("chap", "jie")):
            front[-1] = (front[-1][0], front[-1][1] + g.raw)
        else:
            front.append((g.line, g.raw))
    front = [(n, t.strip()) for n, t in front]
    sections, loose, closing, extra, body_uses = body.result()
    info, front_uses = analyse_front(front, closing.split("\n") if closing else [], today)
    if extra:
        info["preamble"] = "\n".join(x for x in [info["preamble"], *extra] if x)
    uses = [LineUse(n, d, t.strip()) for n, d, t in front_uses] + body_uses
    uses.sort(key=lambda u: u.line)     # stable: the pieces of one line stay in order
    return ParsedDraft(**info, closing_text=closing, sections=sections, loose_clauses=loose, accounting=uses)
