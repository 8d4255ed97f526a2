"""Markers and segments for the draft parser: where clauses, sections and 节 start, and where the body begins.

A segment is a physical line, or a piece of one cut before a run-on marker (flattened web pages).
Standard library only.
"""
from __future__ import annotations

from flask_babel import gettext as _

import re

from .parser_dates import cn_to_int
from .parser_types import DraftParseError

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
SHORT = re.compile(r"^[^。；;，,：:！？!?]{1,30}$")
TITLE_BR = re.compile(r"^[（(【\[〔]\s*([^（）()【】\[\]〔〕。，,；;]{1,40}?)\s*[）)】\]〕]")
SUBITEM = re.compile(r"^(?:[（(]\s*[一二三四五六七八九十0-9]{1,3}\s*[)）]|[0-9]{1,2}\s*[)）.．、](?![0-9])|[①-⑳]"
                      r"|[一二三四五六七八九十]是|[-•·])")
CLOSING = re.compile(r"^(?:附\s*件|附\s*表|附\s*录|抄\s*[送报]|[（(]此页无正文[)）]|(?:联\s*系\s*人|联系电话|电子邮箱"
                      r"|联系地址|通信地址)\s*[:：])")


class Seg:
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
        if kind in ("chap", "jie") and (ref or rest.strip() and not SHORT.match(rest.strip())):
            return None     # "第一章为总则，共五条。" is prose, not a heading
        return kind, cn_to_int(m.group(1)), re.sub(r"\s", "", m.group(0)), rest.lstrip(), definite, ref
    return None


def segment(text: str) -> list[Seg]:
    text = re.sub(r"\r\n?|[\u2028\u2029]", "\n", re.sub(r"[\ufeff\u200b-\u200d\u2060]", "", text))
    segs = []
    for no, physical in enumerate(re.sub(r"\u00a0|&nbsp;", " ", text).split("\n"), start=1):
        line = physical.strip()
        cuts = [0] + [m.start() for m in _SPLIT.finditer(line)] if line else []
        for k, (a, b) in enumerate(zip(cuts, cuts[1:] + [len(line)])):
            piece, soft = line[a:b], k > 0
            while m := _HEADING_THEN_ARTICLE.match(piece):      # "第二章 管理职责第一节 通则第五条 …"
                segs.append(Seg(no, piece[:m.end()], soft))
                piece, soft = piece[m.end():], True
            segs.append(Seg(no, piece, soft))
    return segs


# ---------------------------------------------------------------- where the body starts
def locate_body(segs: list[Seg]) -> tuple[str, int]:
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
        raise DraftParseError(_("未能识别出任何条款：文中没有找到“第一条”“1.”或“（一）”这样的条款编号，请检查原文。"))
    start = i
    if kind == "art":   # include 第一章 / 第一节 (and a heading line under them) right above 第一条
        for j in range(i - 1, max(-1, i - 5), -1):
            mk = segs[j].mark
            if mk and mk[0] == "jie":
                start = j
            elif mk and mk[0] == "chap":
                start = j if mk[1] == 1 else start
                break
            elif mk or not SHORT.match(segs[j].raw.strip()):
                break
    elif (head := head_above(segs, i)) is not None:
        start = head        # the 一、 heading (and its intro) above the first point
    return kind, start


def head_above(segs: list[Seg], i: int) -> int | None:
    """Index of the 一、 heading above segment i: the nearest heading a few intro paragraphs up, and,
    when that is 二、 or later, the chain of headings before it (a first section may be intro only)."""
    found = _heading_chain(segs, i)
    return found[0] if found else None


def _heading_chain(segs: list[Seg], i: int) -> tuple[int, int] | None:
    """(index of the 一、 heading, number of the nearest heading) above segment i, or None."""
    nearest, wanted = None, None
    j = i - 1
    while j >= 0:
        for j in range(j, max(-1, j - 12), -1):
            mk = segs[j].mark
            if mk and mk[0] == "head" and (wanted is None or mk[1] == wanted):
                break
            if mk and not segs[j].soft:
                return None
        else:
            return None
        n = segs[j].mark[1]
        nearest = n if nearest is None else nearest
        if n == 1:
            return j, nearest
        wanted, j = n - 1, j - 1
    return None


def _run_length(segs: list[Seg], i: int, kind: str) -> int:
    """How many clauses a run starting at segs[i] (number 1) would accept."""
    expected, count, fresh = 2, 1, False
    chain = _heading_chain(segs, i) if kind != "art" else None
    next_head = chain[1] + 1 if chain else None
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


