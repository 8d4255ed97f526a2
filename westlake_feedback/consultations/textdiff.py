"""Word-level differences between an old and a new clause text, for the comparison table (修改对照表).

Chinese has no spaces between words, so the diff runs on characters (difflib), with numbers and
Latin words kept whole ("200" -> "300", not "2" -> "3"). Character diffs of edited Chinese text
come out in crumbs ("加强" -> "强化" as -加 强 +化), so an unchanged run shorter than
MIN_EQUAL_RUN between two changes is folded into them: the reader sees -加强 +强化. Each change
is given as its deletion followed by its insertion.

The HTML marks changes with <del>/<ins> and with visually hidden words ("[删除：…]", "[新增：…]"),
so a screen reader, a print-out and a reader who cannot tell the colours apart all see them.
Everything is escaped. The words are parameters: views pass them through gettext.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from markupsafe import Markup, escape

MIN_EQUAL_RUN = 2      # unchanged runs shorter than this between two changes are folded into them
_TOKEN = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+(?:[.．][0-9０-９]+)*|.", re.S)

Op = Literal["equal", "delete", "insert"]
DELETE_WORD, INSERT_WORD = "删除", "新增"


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def diff_segments(old: str, new: str) -> list[Segment]:
    """old -> new as equal / delete / insert segments; the equal and deleted texts joined give
    `old`, the equal and inserted ones give `new`."""
    old, new = old or "", new or ""
    a, b = _tokens(old), _tokens(new)
    runs: list[list[str]] = []      # [kind, deleted, inserted]; kind "equal" (both the same) or "change"
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(["equal", "".join(a[i1:i2]), ""])
        else:
            runs.append(["change", "".join(a[i1:i2]), "".join(b[j1:j2])])
    runs = _fold(runs)
    out: list[Segment] = []
    for kind, deleted, inserted in runs:
        if kind == "equal":
            out.append(Segment("equal", deleted))
            continue
        if deleted:
            out.append(Segment("delete", deleted))
        if inserted:
            out.append(Segment("insert", inserted))
    return out


def _fold(runs: list[list[str]]) -> list[list[str]]:
    """Fold short unchanged runs between two changes into one change; merge adjacent changes."""
    out: list[list[str]] = []
    for run in runs:
        if out and run[0] == "change" and out[-1][0] == "change":
            out[-1] = ["change", out[-1][1] + run[1], out[-1][2] + run[2]]
            continue
        if (run[0] == "change" and len(out) >= 2 and out[-1][0] == "equal" and out[-2][0] == "change"
                and len(out[-1][1]) < MIN_EQUAL_RUN and "\n" not in out[-1][1]):
            same = out.pop()[1]
            before = out.pop()
            out.append(["change", before[1] + same + run[1], before[2] + same + run[2]])
            continue
        out.append(run)
    return out


def has_changes(segments: list[Segment]) -> bool:
    return any(s.op != "equal" for s in segments)


def _text(text: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def _mark(segment: Segment, delete_word: str, insert_word: str) -> Markup:
    tag, word = ("del", delete_word) if segment.op == "delete" else ("ins", insert_word)
    return Markup('<{tag} class="diff-{tag}"><span class="visually-hidden">[{word}：</span>{text}'
                  '<span class="visually-hidden">]</span></{tag}>').format(tag=Markup(tag), word=word,
                                                                          text=_text(segment.text))


def render_html(segments: list[Segment], side: Literal["old", "new", "both"] = "both", *,
                delete_word: str = DELETE_WORD, insert_word: str = INSERT_WORD) -> Markup:
    """Escaped HTML of the segments: the old text with its deletions marked ("old"), the new text
    with its insertions marked ("new"), or both in one text ("both")."""
    parts = []
    for segment in segments:
        if segment.op == "equal":
            parts.append(_text(segment.text))
        elif side == "both" or (segment.op == "delete") == (side == "old"):
            parts.append(_mark(segment, delete_word, insert_word))
    return Markup("").join(parts)


def side_by_side(old: str, new: str, **words) -> tuple[Markup, Markup]:
    """(old text with deletions marked, new text with insertions marked), for a two-column table."""
    segments = diff_segments(old, new)
    return render_html(segments, "old", **words), render_html(segments, "new", **words)
