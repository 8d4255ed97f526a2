"""Turn the text of a consultation notice plus draft into a ParsedDraft.

Pure functions only: no database, no Flask. The importer service persists the result.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .parser_meta import (analyse_front, cn_to_int, is_date_line, is_explanation_heading, is_junk,
                          split_heading)


class DraftParseError(ValueError):
    """The text cannot be understood; `line` is 1-based and names where it went wrong."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class ParsedClause:
    number: int            # 1, 2, ... (第十二条 -> 12)
    label: str             # the marker as written: "1." or "第十二条"
    title: str             # bracketed article title, else the first sentence without its 。
    text: str              # everything after the marker, verbatim (title sentence included)
    line: int              # 1-based line where the clause starts
    subsection: str | None = None  # "第一节 一般规定" when the article sits under a 节 (see _Body.jie)


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
    issuer: str | None = None             # 西湖区政府办公室
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
    sections: list[ParsedSection] = field(default_factory=list)
    loose_clauses: list[ParsedClause] = field(default_factory=list)  # clauses before any section

    @property
    def all_clauses(self) -> list[ParsedClause]:
        return self.loose_clauses + [c for s in self.sections for c in s.clauses]


def parse_draft(text: str, *, today: date | None = None) -> ParsedDraft:
    """Parse a consultation notice plus draft (or just a draft) into a ParsedDraft.

    Two body formats are recognised: policy documents with 一、 sections and continuously numbered
    1. 2. 3. clauses (or （一）（二） clauses), and regulations with 第X章 chapters and 第X条 articles.
    The body starts at the longest consecutive run of clause numbers starting at 1, so numbered
    points inside a notice or an 起草说明 before the draft never become clauses; a 目录 and the
    起草说明 stay in the preamble. Markers run together on one line (flattened web pages) are split
    only after a sentence end and only when they carry the next expected number. A gap or a repeated
    number at the start of a line raises DraftParseError naming the line. 第X节 headings do not open
    sections: they are recorded as ParsedClause.subsection. See parser_meta for the notice metadata
    and the comment-window rules (closes_on is the last day, inclusive).
    """
    segs = _segment(text or "")
    if not segs:
        raise DraftParseError("文本为空，没有可以解析的内容，请粘贴征求意见通知或草案全文。")
    kind, start = _locate_body(segs)
    body = _Body(segs, kind)
    body.run(start)
    front: list[tuple[int, str]] = []
    for g in segs[:start]:   # re-join run-on pieces, except a flattened 目录 and its chapter list
        if g.soft and front and not (g.raw.startswith("目") or g.mark and g.mark[0] in ("chap", "jie")):
            front[-1] = (front[-1][0], front[-1][1] + g.raw)
        else:
            front.append((g.line, g.raw))
    front = [(n, t.strip()) for n, t in front]
    closing = [p.strip() for p in body.closing if p.strip()]
    info = analyse_front(front, closing, today)
    if body.extra:
        info["preamble"] = "\n".join(x for x in [info["preamble"], *(p.strip() for p in body.extra)] if x)
    return ParsedDraft(**info, closing_text="\n".join(closing),
                       sections=[_section(s) for s in body.sections],
                       loose_clauses=[_clause(c) for c in body.loose])


# ---------------------------------------------------------------- markers and segments
_NUM = r"[零〇○一二两三四五六七八九十百千0-9０-９]{1,8}"
_CN = r"[一二三四五六七八九十]{1,3}"
_KINDS = (
    ("art", re.compile(rf"第\s*({_NUM})\s*条")),
    ("chap", re.compile(rf"第\s*({_NUM})\s*章")),
    ("jie", re.compile(rf"第\s*({_NUM})\s*节")),
    ("paren", re.compile(rf"[（(]\s*({_CN})\s*[)）]")),
    ("head", re.compile(rf"({_CN})\s*[、．.]")),
    ("point", re.compile(r"([0-9０-９]{1,3})\s*[.．、](?![0-9０-９])")),
)
# A marker inside a line (flattened web text) only counts after a sentence end or whitespace.
_SPLIT = re.compile(rf"(?<=[。；;！？!?\s])(?=第\s*{_NUM}\s*[章节条]|[0-9０-９]{{1,3}}\s*[.．、](?![0-9０-９])"
                    rf"|{_CN}[、．.]|[（(]{_CN}[)）]|目\s*录)|(?<=\S)(?=第\s*[一1]\s*[章条])")   # text glued to 第一章
_HEADING_THEN_ARTICLE = re.compile(rf"^第\s*{_NUM}\s*[章节][^。；;，,：:]{{0,30}}?(?=第\s*{_NUM}\s*[节条])")
# Words that follow 第X条 when it is a reference ("第五条规定的", "第三条第二款") rather than a marker.
_REF = re.compile(r"规定|的|所|中|之|至|到|和|与|及|或|、|，|,|第|款|项|修改|增加|删除|作为|调整|共|明确|内容|有关|相关|[-—~～]")
_SHORT = re.compile(r"^[^。；;，,：:！？!?]{1,30}$")
_TITLE_BR = re.compile(r"^[（(【\[〔]\s*([^（）()【】\[\]〔〕。，,；;]{1,40}?)\s*[）)】\]〕]")
_SUBITEM = re.compile(r"^(?:[（(]\s*[一二三四五六七八九十0-9]{1,3}\s*[)）]|[0-9]{1,2}\s*[)）.．、](?![0-9])|[①-⑳]"
                      r"|[一二三四五六七八九十]是|[-•·])")
_CLOSING = re.compile(r"^(?:附\s*件|附\s*表|附\s*录|抄\s*[送报]|[（(]此页无正文[)）]|(?:联\s*系\s*人|联系电话|电子邮箱"
                      r"|联系地址|通信地址)\s*[:：])")


class _Seg:
    """A physical line, or a piece of one cut before a run-on marker (soft=True)."""
    __slots__ = ("line", "raw", "soft", "mark")

    def __init__(self, line: int, raw: str, soft: bool):
        self.line, self.raw, self.soft = line, raw, soft
        self.mark = _mark(raw.lstrip())


def _mark(s: str):
    """(kind, number, label, rest, definite, ref) when s starts with a structural marker.

    `ref` means it reads like a reference ("第五条规定的…"): believed only at a line start and
    only when it is exactly the next expected number."""
    for kind, rx in _KINDS:
        m = rx.match(s)
        if not m:
            continue
        rest = s[m.end():]
        definite = not rest or rest[0].isspace() or rest[0] in "（(【[〔"
        ref = kind in ("art", "chap", "jie") and not definite and bool(_REF.match(rest))
        if kind in ("chap", "jie") and (ref or rest.strip() and not _SHORT.match(rest.strip())):
            return None     # "第一章为总则，共五条。" is prose, not a heading
        return kind, cn_to_int(m.group(1)), re.sub(r"\s", "", m.group(0)), rest.lstrip(), definite, ref
    return None


def _segment(text: str) -> list[_Seg]:
    text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", re.sub(r"[\ufeff\u200b-\u200d\u2060]", "", text))
    segs = []
    for no, physical in enumerate(re.sub(r"\u00a0|&nbsp;", " ", text).split("\n"), start=1):
        line = physical.strip()
        cuts = [0] + [m.start() for m in _SPLIT.finditer(line)] if line else []
        for k, (a, b) in enumerate(zip(cuts, cuts[1:] + [len(line)])):
            piece, soft = line[a:b], k > 0
            while m := _HEADING_THEN_ARTICLE.match(piece):      # "第二章 管理职责第一节 通则第五条 …"
                segs.append(_Seg(no, piece[:m.end()], soft))
                piece, soft = piece[m.end():], True
            segs.append(_Seg(no, piece, soft))
    return segs


# ---------------------------------------------------------------- where the body starts
def _locate_body(segs: list[_Seg]) -> tuple[str, int]:
    best = {}
    for kind in ("art", "point", "paren"):
        starts = [i for i, g in enumerate(segs) if g.mark and g.mark[0] == kind and g.mark[1] == 1
                  and not g.mark[5]]
        best[kind] = max(((_run_length(segs, i, kind), i) for i in starts), default=(0, -1))
    art, pt = best["art"], max(best["point"], best["paren"])
    if art[0] and (art[0] >= 2 or not pt[0]) and art[0] >= pt[0] // 3:
        kind, i = "art", art[1]
    elif pt[0]:
        kind, i = ("point", best["point"][1]) if best["point"] >= best["paren"] else ("paren", best["paren"][1])
    else:
        raise DraftParseError("未能识别出任何条款：文中没有找到“第一条”“1.”或“（一）”这样的条款编号，请检查原文。")
    start = i
    if kind == "art":   # include 第一章 / 第一节 (and a heading line under them) right above 第一条
        for j in range(i - 1, max(-1, i - 5), -1):
            mk = segs[j].mark
            if mk and mk[0] == "jie":
                start = j
            elif mk and mk[0] == "chap":
                start = j if mk[1] == 1 else start
                break
            elif mk or not _SHORT.match(segs[j].raw.strip()):
                break
    elif (head := _head_above(segs, i)) is not None:
        start = head        # the 一、 heading (and its intro) above the first point
    return kind, start


def _head_above(segs: list[_Seg], i: int) -> int | None:
    """Index of an 一、 heading at most a few intro paragraphs above segment i."""
    for j in range(i - 1, max(-1, i - 13), -1):
        mk = segs[j].mark
        if mk and mk[0] == "head":
            return j if mk[1] == 1 else None
        if mk and not segs[j].soft:
            return None
    return None


def _run_length(segs: list[_Seg], i: int, kind: str) -> int:
    """How many clauses a run starting at segs[i] (number 1) would accept."""
    expected, count, fresh = 2, 1, False
    next_head = 2 if kind != "art" and _head_above(segs, i) is not None else None
    for g in segs[i + 1:]:
        if not g.mark:
            continue
        k, n = g.mark[0], g.mark[1]
        if k == "head" and next_head is not None:
            if n == next_head:
                next_head, fresh = next_head + 1, True
            elif n == 1 and not g.soft:
                break
        elif k == kind:
            if g.mark[5] and (g.soft or n != expected):
                continue
            if n == expected or (n == 1 and fresh):
                count, expected, fresh = count + 1, n + 1, False
            elif n == 1 and not g.soft:
                break
    return count


# ---------------------------------------------------------------- the body
class _Body:
    """Walks the body segments once. Sections and clauses are plain dicts until _section/_clause."""

    def __init__(self, segs: list[_Seg], kind: str):
        self.segs, self.kind = segs, kind
        self.sec_kind = "chap" if kind == "art" else "head"
        self.sections: list[dict] = []
        self.loose: list[dict] = []
        self.closing: list[str] = []
        self.extra: list[str] = []          # body text before any marker (kept in the preamble)
        self.sec = self.clause = self.pending = self.subsection = None
        self.target = self.extra
        self.next_clause = self.next_sec = 1
        self.count = self.definite = 0
        self.in_closing = False
        self.next_ls = {k: self._next_line_start(k) for k in (kind, self.sec_kind)}

    def _next_line_start(self, kind: str) -> list[int | None]:
        """For each segment, the number of the next marker of `kind` that starts a physical line."""
        out, nxt = [None] * len(self.segs), None
        for idx in range(len(self.segs) - 1, -1, -1):
            out[idx], g = nxt, self.segs[idx]
            if not g.soft and g.mark and g.mark[0] == kind:
                nxt = g.mark[1]
        return out

    def _fits(self, idx: int, kind: str, n: int) -> bool:
        """A run-on marker is only believed if the next line-start marker does not contradict it."""
        nxt = self.next_ls[kind][idx]
        return nxt is None or nxt == 1 or nxt > n

    def run(self, start: int) -> None:
        for idx in range(start, len(self.segs)):
            g = self.segs[idx]
            mk = g.mark
            if self.in_closing:
                self.text(g, closing=True)
            elif mk and mk[0] == self.kind:
                self.clause_start(idx, g, mk)
            elif mk and mk[0] == self.sec_kind:
                self.section_start(idx, g, mk)
            elif mk and mk[0] == "jie" and self.kind == "art":
                self.jie(g, mk)
            else:
                self.text(g)
        self.finish()

    def text(self, g: _Seg, closing: bool = False) -> None:
        target = self.closing if closing else self.target
        s = g.raw.strip()
        if g.soft and target:
            target[-1] += g.raw
            return
        if is_junk(s):
            return
        if not closing and self.pending is not None and not g.soft and _SHORT.match(s):
            what, sec = self.pending        # heading written on the line after 第一章 / 第一节
            if what == "sec":
                sec["heading"], sec["lead"], _ = split_heading(s, self.sec_kind)
            else:
                self.subsection = f"{self.subsection} {s}"
            self.pending = None
            return
        self.pending = None
        if not closing and self.count and (_CLOSING.match(s) or is_explanation_heading(s)):
            self.in_closing, target = True, self.closing
        target.append(g.raw.lstrip())

    def clause_start(self, idx: int, g: _Seg, mk) -> None:
        kind, n, label, rest, definite, ref = mk
        if ref and (g.soft or n != self.next_clause):
            return self.text(g)
        restart = (self.kind != "art" and self.sec is not None and not self.sec["clauses"]
                   and n == 1 and self.count > 0)     # numbering restarting in each section
        ok = n == self.next_clause or restart
        if g.soft and not (ok and self._fits(idx, kind, n)):
            if kind == "art" and definite and not ok:
                raise DraftParseError(_numbering_message(g.line, self.next_clause - 1, n), line=g.line)
            return self.text(g)
        if not ok and not definite and self.definite * 2 > self.count and kind == "art":
            return self.text(g)     # "第二十三条对……作出规定" in prose, in a draft that writes "第X条 "
        if not ok:
            raise DraftParseError(_numbering_message(g.line, self.next_clause - 1, n), line=g.line)
        self.definite += definite
        self.count += 1       # unique running number; equals n unless numbering restarts per section
        clause = {"number": self.count, "label": label, "line": g.line, "paras": [rest] if rest.strip() else [],
                  "subsection": self.subsection}
        (self.sec["clauses"] if self.sec else self.loose).append(clause)
        self.clause, self.target, self.pending, self.next_clause = clause, clause["paras"], None, n + 1

    def section_start(self, idx: int, g: _Seg, mk) -> None:
        kind, n, label, rest, definite, _ = mk
        if n != self.next_sec or (g.soft and not self._fits(idx, kind, n)):
            if kind == "chap" and not g.soft:
                raise DraftParseError(
                    f"第{g.line}行：章的编号从第{self.next_sec - 1}章跳到了第{n}章，请检查原文。", line=g.line)
            return self.text(g)     # "二、" in prose, or a run-on heading that does not fit
        heading, lead, intro = split_heading(rest.strip(), kind)
        sec = {"number": len(self.sections) + 1, "label": label, "heading": heading, "lead": lead,
               "intro": [intro] if intro else [], "clauses": [], "line": g.line}
        self.sections.append(sec)
        self.sec, self.clause, self.target, self.subsection = sec, None, sec["intro"], None
        self.pending = None if heading else ("sec", sec)
        self.next_sec = n + 1

    def jie(self, g: _Seg, mk) -> None:
        # Decision: a 节 does not open a ParsedSection (sections are chapters, and the importer keys
        # sections by number). It is recorded on every following article as `subsection`.
        kind, n, label, rest, definite, _ = mk
        if g.soft and not definite:
            return self.text(g)
        self.subsection, self.clause = f"{label} {rest.strip()}".strip(), None
        self.pending = None if rest.strip() else ("jie", None)
        self.target = self.sec["intro"] if self.sec else self.extra

    def finish(self) -> None:
        last = self.sections[-1]["clauses"] if self.sections else self.loose
        if not last:        # the draft ends with a section that has no clauses of its own
            return
        paras = last[-1]["paras"]
        moved: list[str] = []
        if self.kind != "art":  # points are one paragraph (plus sub-items): what follows the last one
            j = next((j for j in range(1, len(paras)) if not _SUBITEM.match(paras[j].strip())), None)
            if j is not None:   # is the document's closing words ("上述7个领域政策……")
                moved, paras[j:] = paras[j:], []
        else:   # a signature and date after the last article
            while len(paras) > 1 and is_date_line(paras[-1].strip()):
                moved.insert(0, paras.pop())
                while len(paras) > 1 and len(moved) < 4 and _SHORT.match(paras[-1].strip()):
                    moved.insert(0, paras.pop())
        self.closing[:0] = moved


def _numbering_message(line: int, previous: int, number: int) -> str:
    if number == previous:
        return f"第{line}行：条款编号{number}重复出现，请检查原文。"
    if number < previous:
        return f"第{line}行：条款编号从{previous}倒退到了{number}，请检查原文。"
    missing = f"{previous + 1}" if number == previous + 2 else f"{previous + 1}至{number - 1}"
    return f"第{line}行：条款编号从{previous}跳到了{number}，缺少第{missing}条，请检查原文。"


def _clause(c: dict) -> ParsedClause:
    paras = [p.strip() for p in c["paras"] if p.strip()]
    first = paras[0] if paras else ""
    m = _TITLE_BR.match(first)
    if m and not re.fullmatch(r"[一二三四五六七八九十0-9]+", m.group(1)):
        title = m.group(1).strip()
    elif (lead_in := re.match(r"([^。]*?)[：:]\s*(?:[（(][一二三四五六七八九十0-9]{1,3}[)）]|[0-9]{1,2}[.．、])", first)):
        title = lead_in.group(1).strip()        # "…应当符合下列要求：（一）…" run together
    elif "。" in first:
        title = first.split("。", 1)[0].strip()
    else:
        stop = re.search(r"[；;！!？?]", first)
        title = first[:stop.start()].strip() if stop else first.rstrip("：:，,").strip()
    return ParsedClause(number=c["number"], label=c["label"], title=title, text="\n".join(paras),
                        line=c["line"], subsection=c["subsection"])


def _section(s: dict) -> ParsedSection:
    # "总　则" is spaced out for typesetting; the heading is 总则.
    heading = re.sub(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])", "", s["heading"] or "")
    return ParsedSection(number=s["number"], label=s["label"], heading=heading, lead_department=s["lead"],
                         intro="\n".join(p.strip() for p in s["intro"] if p.strip()),
                         clauses=[_clause(c) for c in s["clauses"]], line=s["line"])
