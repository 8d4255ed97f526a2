"""The draft body: sections, clauses, 节, and the closing text after the last clause.

Two formats share one walker: policy documents (一、 sections with 1. or （一） points, numbering
running on or restarting per section) and regulations (第X章 chapters, 第X节, 第X条 articles).
What differs between them is listed in POLICY / REGULATION below and in `_closing_cut`.
Every segment is kept with its source line, so `Body.result()` can account for each piece.
"""
from __future__ import annotations

from flask_babel import gettext as _

import re

from .parser_markers import CLOSING, SHORT, SUBITEM, TITLE_BR, Seg
from .parser_meta import is_date_line, is_explanation_heading, is_junk, split_heading
from .parser_types import DraftParseError, LineUse, ParsedClause, ParsedSection

# After the first paragraph of the last point: the document's closing words ("上述7个领域政策……",
# "本意见自…起施行"), or, in any format, a notice paragraph placed after the draft.
_ENDING = re.compile(r"^(?:上述|以上|本(?:意见|办法|措施|方案|细则|规定|政策|通知|条例|规则|决定)[^。]{0,40}"
                     r"(?:施行|执行|负责解释|实施))")
_RUN_ON_ENDING = re.compile(r"(?<=[。！？!?])\s+(?=" + _ENDING.pattern[1:] + ")")   # flattened pages
_NOTICE_PARA = re.compile(r"(?:意见|建议)[^。]{0,30}(?:反馈|报送|提出|发送|寄)|(?:反馈|报送|提出|发送)[^。]{0,20}(?:意见|建议)"
                          r"|征求意见|特此(?:通知|公告)")
_NOTICE_DETAIL = re.compile(r"[0-9０-９一二三四五六七八九十]{1,4}\s*月|特此|@|联系")


def _notice_paragraph(text: str) -> bool:
    return bool(_NOTICE_PARA.search(text) and _NOTICE_DETAIL.search(text))


class Para:
    """A paragraph being built: its text and the pieces of source (seq, line, text) it came from."""
    __slots__ = ("text", "pieces")

    def __init__(self, seq: float, line: int, text: str, source: str | None = None):
        self.text = text
        self.pieces = [(seq, line, text if source is None else source)]

    def add(self, seq: float, line: int, text: str) -> None:
        self.text += text
        self.pieces.append((seq, line, text))


def _split_source(source: str, tail: str) -> tuple[str, str]:
    """source = head + tail (tail as produced by split_heading): (head, tail as written)."""
    pos = source.rfind(tail) if tail else -1
    return (source[:pos], source[pos:]) if pos > 0 else (source, "")


class Body:
    """Walks the body segments once. Sections and clauses are plain dicts until result()."""

    def __init__(self, segs: list[Seg], kind: str):
        self.segs, self.kind = segs, kind
        self.sec_kind = "chap" if kind == "art" else "head"
        self.sections: list[dict] = []
        self.loose: list[dict] = []
        self.closing: list[Para] = []
        self.extra: list[Para] = []          # body text before any marker (kept in the preamble)
        self.ignored: list[tuple] = []      # page chrome inside the body
        self.jie_pieces: list[tuple] = []
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
                self.text(idx, g, closing=True)
            elif mk and mk[0] == self.kind:
                self.clause_start(idx, g, mk)
            elif mk and mk[0] == self.sec_kind:
                self.section_start(idx, g, mk)
            elif mk and mk[0] == "jie" and self.kind == "art":
                self.jie(idx, g, mk)
            else:
                self.text(idx, g)
        self.finish()

    def text(self, idx: int, g: Seg, closing: bool = False) -> None:
        target = self.closing if closing else self.target
        s = g.raw.strip()
        if g.soft and target:
            target[-1].add(idx, g.line, g.raw)
            return
        if is_junk(s):
            self.ignored.append((idx, g.line, s))
            return
        if not closing and self.pending is not None and not g.soft and SHORT.match(s):
            what, sec = self.pending        # heading written on the line after 第一章 / 第一节
            if what == "sec":
                sec["heading"], sec["lead"], intro = split_heading(s, self.sec_kind)
                self._heading_pieces(sec, idx, g.line, s, intro)
            else:
                self.subsection = f"{self.subsection} {s}"
                self.jie_pieces.append((idx, g.line, s))
            self.pending = None
            return
        self.pending = None
        if not closing and self.count and (CLOSING.match(s) or is_explanation_heading(s)):
            self.in_closing, target = True, self.closing
        target.append(Para(idx, g.line, g.raw.lstrip()))

    def _heading_pieces(self, sec: dict, idx: int, line: int, source: str, intro: str) -> None:
        head, intro_source = _split_source(source, intro)
        sec["pieces"].append((idx, line, head))
        if intro:
            sec["intro"].append(Para(idx + 0.5, line, intro, source=intro_source))

    def clause_start(self, idx: int, g: Seg, mk) -> None:
        kind, n, label, rest, definite, ref = mk
        if ref and (g.soft or n != self.next_clause):
            return self.text(idx, g)
        restart = (self.kind != "art" and self.sec is not None and not self.sec["clauses"]
                   and n == 1 and self.count > 0)     # numbering restarting in each section
        ok = n == self.next_clause or restart
        if g.soft and not (ok and self._fits(idx, kind, n)):
            if kind == "art" and definite and not ok:
                raise DraftParseError(_numbering_message(g.line, self.next_clause - 1, n), line=g.line)
            return self.text(idx, g)
        if not ok and not definite and self.definite * 2 > self.count and kind == "art":
            return self.text(idx, g)     # "第二十三条对……作出规定" in prose, in a draft that writes "第X条 "
        if not ok:
            raise DraftParseError(_numbering_message(g.line, self.next_clause - 1, n), line=g.line)
        self.definite += definite
        self.count += 1       # unique running number; equals n unless numbering restarts per section
        source = g.raw.strip()
        clause = {"number": self.count, "label": label, "line": g.line, "subsection": self.subsection,
                  "paras": [Para(idx, g.line, rest, source=source)] if rest.strip() else [],
                  "marker": None if rest.strip() else (idx, g.line, source)}
        (self.sec["clauses"] if self.sec else self.loose).append(clause)
        self.clause, self.target, self.pending, self.next_clause = clause, clause["paras"], None, n + 1

    def section_start(self, idx: int, g: Seg, mk) -> None:
        kind, n, label, rest, definite, _marker_rest = mk
        if n != self.next_sec or (g.soft and not self._fits(idx, kind, n)):
            if kind == "chap" and not g.soft:
                raise DraftParseError(
                    _("第%(line)d行：章的编号从第%(previous)d章跳到了第%(number)d章，请检查原文。", line=g.line, previous=self.next_sec - 1, number=n), line=g.line)
            return self.text(idx, g)     # "二、" in prose, or a run-on heading that does not fit
        heading, lead, intro = split_heading(rest.strip(), kind)
        sec = {"number": len(self.sections) + 1, "label": label, "heading": heading, "lead": lead,
               "intro": [], "clauses": [], "line": g.line, "pieces": []}
        self._heading_pieces(sec, idx, g.line, g.raw.strip(), intro)
        self.sections.append(sec)
        self.sec, self.clause, self.target, self.subsection = sec, None, sec["intro"], None
        self.pending = None if heading else ("sec", sec)
        self.next_sec = n + 1

    def jie(self, idx: int, g: Seg, mk) -> None:
        # Decision: a 节 does not open a ParsedSection (sections are chapters, and the importer keys
        # sections by number). It is recorded on every following article as `subsection`.
        kind, n, label, rest, definite, _marker_rest = mk
        if g.soft and not definite:
            return self.text(idx, g)
        self.subsection, self.clause = f"{label} {rest.strip()}".strip(), None
        self.jie_pieces.append((idx, g.line, g.raw.strip()))
        self.pending = None if rest.strip() else ("jie", None)
        self.target = self.sec["intro"] if self.sec else self.extra

    # ------------------------------------------------------------ the end of the draft
    def _clauses(self) -> list[dict]:
        return self.loose + [c for s in self.sections for c in s["clauses"]]

    def finish(self) -> None:
        clauses = self._clauses()
        if not clauses:
            return
        paras = clauses[-1]["paras"]
        j = self._closing_cut(paras, clauses[:-1])
        if j is not None:
            self.closing[:0], paras[j:] = paras[j:], []
        if self.kind != "art" and paras:
            self._split_run_on_ending(paras[-1])
        if self.kind == "art":      # a signature and date after the last article
            moved: list[Para] = []
            while len(paras) > 1 and is_date_line(paras[-1].text.strip()):
                moved.insert(0, paras.pop())
                while len(paras) > 1 and len(moved) < 4 and SHORT.match(paras[-1].text.strip()):
                    moved.insert(0, paras.pop())
            self.closing[:0] = moved

    def _split_run_on_ending(self, para: Para) -> None:
        """"…救助。 上述7个领域政策……" flattened onto the last point's line: the ending is closing text."""
        seq, line, source = para.pieces[-1]
        m = _RUN_ON_ENDING.search(source)
        if m:
            tail = source[m.end():]
            para.text = para.text[:len(para.text) - len(tail)].rstrip()
            para.pieces[-1] = (seq, line, source[:m.end()])
            self.closing.insert(0, Para(seq + 0.25, line, tail))

    def _closing_cut(self, paras: list[Para], others: list[dict]) -> int | None:
        """Index of the first paragraph of the last clause that is the document's closing text.

        Regulations: only a notice paragraph ("请于…前将意见反馈…") and what follows it. Policy points
        are one paragraph plus sub-items, so what follows is closing; a point whose heading stands
        alone on its line keeps as many body paragraphs as the other such points have (at least one)."""
        texts = [p.text.strip() for p in paras]
        if self.kind == "art":
            return next((j for j in range(1, len(texts)) if _notice_paragraph(texts[j])), None)
        if not heading_alone(texts):
            return next((j for j in range(1, len(texts)) if not SUBITEM.match(texts[j])), None)
        allowed = max([_main_paras(t[1:]) for t in ([p.text.strip() for p in c["paras"]] for c in others)
                       if heading_alone(t)] or [1])
        count = 0
        for j in range(1, len(texts)):
            if SUBITEM.match(texts[j]):
                continue
            count += 1
            if count > 1 and (count > allowed or _ENDING.match(texts[j]) or _notice_paragraph(texts[j])
                              or CLOSING.match(texts[j])):
                return j
        return None

    # ------------------------------------------------------------ results
    def result(self):
        """(sections, loose clauses, closing text, extra preamble text, uses sorted by source order)."""
        uses: list[tuple] = [(s, ln, "ignored", t) for s, ln, t in self.ignored]
        uses += [(s, ln, "subsection", t) for s, ln, t in self.jie_pieces]
        for dest, paras in (("preamble", self.extra), ("closing", self.closing)):
            uses += [(s, ln, dest, t) for p in paras for s, ln, t in p.pieces]
        sections = []
        for sec in self.sections:
            uses += [(s, ln, f"section:{sec['number']}", t) for s, ln, t in sec["pieces"]]
            uses += [(s, ln, f"intro:{sec['number']}", t) for p in sec["intro"] for s, ln, t in p.pieces]
            sections.append(_section(sec, [_clause(c, self.kind, uses) for c in sec["clauses"]]))
        loose = [_clause(c, self.kind, uses) for c in self.loose]
        uses.sort(key=lambda u: u[0])
        closing = "\n".join(t for t in (p.text.strip() for p in self.closing) if t)
        extra = [p.text.strip() for p in self.extra if p.text.strip()]
        return sections, loose, closing, extra, [LineUse(ln, dest, t.strip()) for _, ln, dest, t in uses if t.strip()]


def heading_alone(texts: list[str]) -> bool:
    """A point whose first paragraph is a short heading with no sentence punctuation ("（二）改革目标")."""
    return len(texts) >= 2 and bool(SHORT.match(texts[0]))


def _main_paras(texts: list[str]) -> int:
    return sum(1 for t in texts if t and not SUBITEM.match(t))


def _numbering_message(line: int, previous: int, number: int) -> str:
    if number == previous:
        return _("第%(line)d行：条款编号%(number)d重复出现，请检查原文。", line=line, number=number)
    if number < previous:
        return _("第%(line)d行：条款编号从%(previous)d倒退到了%(number)d，请检查原文。", line=line, previous=previous, number=number)
    missing = f"{previous + 1}" if number == previous + 2 else f"{previous + 1}至{number - 1}"
    return _("第%(line)d行：条款编号从%(previous)d跳到了%(number)d，缺少第%(missing)s条，请检查原文。", line=line, previous=previous, number=number, missing=missing)


def _clause(c: dict, kind: str, uses: list[tuple]) -> ParsedClause:
    kept = [p for p in c["paras"] if p.text.strip()]
    paras = [p.text.strip() for p in kept]
    alone = kind != "art" and heading_alone(paras)
    dest = f"clause:{c['number']}"
    if c["marker"]:
        uses.append((c["marker"][0], c["marker"][1], dest, c["marker"][2]))
    for k, p in enumerate(kept):
        uses += [(s, ln, f"heading:{c['number']}" if alone and k == 0 else dest, t) for s, ln, t in p.pieces]
    if alone:       # "（二）改革目标" alone on its line: the heading is the title, the body what follows
        return ParsedClause(number=c["number"], label=c["label"], title=paras[0], text="\n".join(paras[1:]),
                            line=c["line"], subsection=c["subsection"])
    first = paras[0] if paras else ""
    m = TITLE_BR.match(first)
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


def _section(s: dict, clauses: list[ParsedClause]) -> ParsedSection:
    # "总　则" is spaced out for typesetting; the heading is 总则.
    heading = re.sub(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])", "", s["heading"] or "")
    return ParsedSection(number=s["number"], label=s["label"], heading=heading, lead_department=s["lead"],
                         intro="\n".join(p.text.strip() for p in s["intro"] if p.text.strip()),
                         clauses=clauses, line=s["line"])
