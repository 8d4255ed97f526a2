"""Write a revised draft (修改稿) from an existing one: delete, edit, insert, split, merge, move
clauses, then renumber every clause as an office would (and the 第X条 cross-references with them).

Works on the text, not on the parser's output, so the redraft goes through parse_draft like a
real upload. Clauses are addressed by their number in the original draft.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "westlake_feedback" / "consultations" / "data" / "xihu-2023-draft.txt"
DRAFTS = ROOT / "tests" / "consultations" / "drafts"

_DIGITS = "零一二三四五六七八九"
_CN = "零〇一二两三四五六七八九十百"


def cn_number(n: int) -> str:
    """1..199 as written in 第X条: 一, 十, 十二, 二十, 二十一, 一百零五, 一百一十."""
    if n >= 100:
        rest = n % 100
        return "一百" + ("" if not rest else "零" + _DIGITS[rest] if rest < 10 else
                       ("一" if rest < 20 else "") + cn_number(rest))
    tens, ones = divmod(n, 10)
    return ("" if tens < 2 else _DIGITS[tens]) + ("十" if tens else "") + (_DIGITS[ones] if ones else "")


def cn_value(s: str) -> int:
    """第X条's X as a number: 十二 -> 12, 二十 -> 20, 一百零五 -> 105."""
    digits = {c: k for k, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
    value, current = 0, 0
    for ch in s:
        if ch in "十百":
            value, current = value + (current or 1) * (10 if ch == "十" else 100), 0
        else:
            current = digits[ch]
    return value + current


@dataclass
class _Clause:
    origin: int | None              # number in the original draft; None for an inserted clause
    lines: list[str] = field(default_factory=list)   # body lines, the first without its marker


class Redraft:
    """A draft text cut into fixed lines and clauses; `text()` renumbers and joins them again."""

    def __init__(self, text: str, style: str):
        assert style in ("point", "article")
        self.style = style
        self.marker = re.compile(r"^(\d+)\." if style == "point" else rf"^第([{_CN}]+)条\s+")
        stop = re.compile(r"^[一二三四五六七八九十]+、|^上述" if style == "point" else r"^第[一二三四五六七八九十]+[章节]")
        self.items: list[str | _Clause] = []
        current = None
        for line in text.split("\n"):
            m = self.marker.match(line)
            if m:
                number = int(m.group(1)) if style == "point" else cn_value(m.group(1))
                current = _Clause(number, [line[m.end():]])
                self.items.append(current)
            elif current is not None and line.strip() and not stop.match(line):
                current.lines.append(line)
            else:
                current = None
                self.items.append(line)

    # ---------------------------------------------------------------- operations
    def _at(self, origin: int) -> int:
        return next(k for k, it in enumerate(self.items) if isinstance(it, _Clause) and it.origin == origin)

    def clause_text(self, origin: int) -> str:
        return "\n".join(self.items[self._at(origin)].lines)

    def delete(self, origin: int) -> Redraft:
        del self.items[self._at(origin)]
        return self

    def edit(self, origin: int, old: str, new: str) -> Redraft:
        clause = self.items[self._at(origin)]
        body = "\n".join(clause.lines)
        assert old in body, (origin, old)
        clause.lines = body.replace(old, new, 1).split("\n")
        return self

    def insert_after(self, origin: int, body: str) -> Redraft:
        self.items.insert(self._at(origin) + 1, _Clause(None, body.split("\n")))
        return self

    def insert_before(self, origin: int, body: str) -> Redraft:
        self.items.insert(self._at(origin), _Clause(None, body.split("\n")))
        return self

    def split(self, origin: int, before: str) -> Redraft:
        """Cut the clause before the text `before`: the rest becomes the next clause."""
        k = self._at(origin)
        body = "\n".join(self.items[k].lines)
        cut = body.index(before)
        first, second = body[:cut].rstrip(), body[cut:]
        self.items[k].lines = first.split("\n")
        self.items.insert(k + 1, _Clause(None, second.split("\n")))
        return self

    def merge(self, origin: int, into: int) -> Redraft:
        """Append clause `origin`'s text to clause `into` (the clause before it) and drop it."""
        src, dst = self._at(origin), self._at(into)
        self.items[dst].lines[-1] += "".join(self.items[src].lines)
        del self.items[src]
        return self

    def move_after(self, origin: int, after: int) -> Redraft:
        clause = self.items.pop(self._at(origin))
        self.items.insert(self._at(after) + 1, clause)
        return self

    def replace(self, old: str, new: str) -> Redraft:
        """Change a fixed line (a title, the window)."""
        self.items = [it.replace(old, new) if isinstance(it, str) else it for it in self.items]
        return self

    # ---------------------------------------------------------------- output
    def numbering(self) -> dict[int, int]:
        """Original number -> new number, for clauses that kept their own place."""
        clauses = [it for it in self.items if isinstance(it, _Clause)]
        return {c.origin: n for n, c in enumerate(clauses, 1) if c.origin is not None}

    def text(self) -> str:
        renumber = self.numbering()
        out, n = [], 0
        for it in self.items:
            if isinstance(it, str):
                out.append(it)
                continue
            n += 1
            lines = [self._references(line, renumber) for line in it.lines]
            marker = f"{n}." if self.style == "point" else f"第{cn_number(n)}条　"
            out.append(marker + lines[0])
            out.extend(lines[1:])
        return "\n".join(out)

    def _references(self, line: str, renumber: dict[int, int]) -> str:
        if self.style != "article":
            return line

        def swap(m):
            old = cn_value(m.group(1))
            return f"第{cn_number(renumber[old])}条" if old in renumber else m.group(0)
        return re.sub(rf"第([{_CN}]+)条", swap, line)


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def draft_text(name: str) -> str:
    return (DRAFTS / name).read_text(encoding="utf-8")
