"""Clause text as the alignment compares it: normalisation and similarity scores.

Standard library only (difflib). See alignment.py for how the scores are used.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# Numbering written at the start of a clause body: 第十二条 / 第12条, 12. / 12、 / 12．, （十二） / (12),
# 十二、, and 一是. The parser already strips the clause's own marker; text pasted or stored
# elsewhere may still carry one, and a renumbered clause must not look edited because of it.
_NUM = r"[零〇○一二两三四五六七八九十百千0-9]{1,8}"
_LEADING_NUMBER = re.compile(
    rf"^\s*(?:第\s*{_NUM}\s*条|[（(]\s*{_NUM}\s*[)）]|{_NUM}\s*[.、](?![0-9])|[①-⑳])\s*")
# Cross-references inside a body ("依照本办法第五条规定") follow the renumbering of the clauses
# they point at; for the similarity score they are masked to 第#条, so a reference that changed
# from 第十七条 to 第十六条 because a clause before it was deleted does not lower the score.
_REFERENCE = re.compile(rf"第\s*{_NUM}\s*(条|款|项)")
# What the score ignores: whitespace, punctuation and symbols (full-width forms are folded by NFKC).
_NOT_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")


def strip_number(text: str) -> str:
    """The text without one numbering prefix ("第十二条　", "12.", "（十二）")."""
    return _LEADING_NUMBER.sub("", text or "", count=1)


def layout_form(text: str) -> str:
    """Text with typesetting differences removed: full-width/half-width forms (NFKC), all whitespace,
    and a leading number. Two clauses with the same layout form read the same: 'unchanged'."""
    return _SPACE.sub("", strip_number(unicodedata.normalize("NFKC", text or "")))


def compare_form(text: str) -> str:
    """What the similarity score compares: the layout form without punctuation and symbols, with
    cross-references masked."""
    return _NOT_WORD.sub("", _REFERENCE.sub(r"第#\1", layout_form(text)))


def full_text(title: str | None, text: str | None) -> str:
    """A clause's title and body as one text: the title is prepended unless the body already
    starts with it (policy points repeat their title as the first sentence; a heading written
    alone on its line, "（二）改革目标", is only in the title)."""
    title, text = (title or "").strip(), (text or "").strip()
    if not title or text.startswith(title) or title in text[: len(title) + 4]:
        return text
    return f"{title}\n{text}" if text else title


@dataclass(frozen=True)
class ClauseText:
    """One clause as the alignment sees it. `key` is what the caller stores: the clause number
    (ParsedClause.number / Clause.number), or any hashable id."""
    key: int | str
    text: str
    label: str = ""

    @classmethod
    def from_parsed(cls, clause) -> ClauseText:
        """From a ParsedClause (number, label, title, text) or a stored Clause (… body)."""
        body = clause.text if hasattr(clause, "text") else clause.body
        return cls(key=clause.number, text=full_text(clause.title, body), label=clause.label)


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams (a single character for a one-character text): cheap overlap measures."""
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def ratio(a: str, b: str) -> float:
    """difflib's similarity, 2*M/T over characters, without the 'popular character' heuristic
    (autojunk would treat 的/和/企业 as junk in any text over 200 characters)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


class Scorer:
    """Similarity scores between old and new clauses, by index, computed lazily and cached.

    A pair whose bigram overlap (Dice coefficient) is below `prefilter` scores 0 without running
    difflib: difflib costs milliseconds per pair of long clauses, the Dice test microseconds, and
    unrelated clauses of one draft stay well below it."""

    def __init__(self, old: list[ClauseText], new: list[ClauseText], prefilter: float):
        self.old_forms = [compare_form(c.text) for c in old]
        self.new_forms = [compare_form(c.text) for c in new]
        self.old_layout = [layout_form(c.text) for c in old]
        self.new_layout = [layout_form(c.text) for c in new]
        self.old_bigrams = [bigrams(f) for f in self.old_forms]
        self.new_bigrams = [bigrams(f) for f in self.new_forms]
        self.prefilter = prefilter
        self._pairs: dict[tuple[int, int], float] = {}
        self._inters: dict[tuple[int, int], int] = {}
        self._groups: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}

    def _inter(self, i: int, j: int) -> int:
        key = (i, j)
        if key not in self._inters:
            self._inters[key] = len(self.old_bigrams[i] & self.new_bigrams[j])
        return self._inters[key]

    def dice(self, i: int, j: int) -> float:
        a, b = len(self.old_bigrams[i]), len(self.new_bigrams[j])
        return 2 * self._inter(i, j) / (a + b) if a or b else 1.0

    def new_in_old(self, j: int, i: int) -> float:
        """Share of new clause j's bigrams found in old clause i."""
        size = len(self.new_bigrams[j])
        return self._inter(i, j) / size if size else 0.0

    def old_in_new(self, i: int, j: int) -> float:
        """Share of old clause i's bigrams found in new clause j."""
        size = len(self.old_bigrams[i])
        return self._inter(i, j) / size if size else 0.0

    def pair(self, i: int, j: int) -> float:
        """Similarity of old clause i and new clause j, 0..1."""
        key = (i, j)
        if key not in self._pairs:
            a, b = self.old_forms[i], self.new_forms[j]
            self._pairs[key] = 1.0 if a == b else (ratio(a, b) if self.dice(i, j) >= self.prefilter else 0.0)
        return self._pairs[key]

    def identical(self, i: int, j: int) -> bool:
        return self.old_layout[i] == self.new_layout[j]

    def contained_new(self, j: int, olds: tuple[int, ...]) -> float:
        """Share of new clause j's bigrams found in the given old clauses together."""
        part = self.new_bigrams[j]
        whole = frozenset().union(*(self.old_bigrams[i] for i in olds)) if len(olds) > 1 else self.old_bigrams[olds[0]]
        return len(part & whole) / len(part) if part else 0.0

    def contained_old(self, i: int, news: tuple[int, ...]) -> float:
        """Share of old clause i's bigrams found in the given new clauses together."""
        part = self.old_bigrams[i]
        whole = frozenset().union(*(self.new_bigrams[j] for j in news)) if len(news) > 1 else self.new_bigrams[news[0]]
        return len(part & whole) / len(part) if part else 0.0

    def group(self, olds: tuple[int, ...], news: tuple[int, ...]) -> float:
        """Similarity of the concatenated old clauses and the concatenated new clauses."""
        if len(olds) == 1 and len(news) == 1:
            return self.pair(olds[0], news[0])
        key = (olds, news)
        if key not in self._groups:
            self._groups[key] = ratio("".join(self.old_forms[i] for i in olds),
                                      "".join(self.new_forms[j] for j in news))
        return self._groups[key]
