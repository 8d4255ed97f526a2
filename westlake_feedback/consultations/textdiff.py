"""Word-level differences between an old and a new clause text, for the comparison table (修改对照表).

Chinese has no spaces between words, so the diff runs in two passes (difflib both times): first
on phrases (text up to and including a ，。；：！？ or a line break), so an added or removed
sentence shows as one insertion or deletion; then, inside each run of changed phrases, phrases that
still read alike (PHRASE_MIN) are diffed on characters, with numbers and Latin words kept whole
("200" -> "300", not "2" -> "3"). Character diffs come out in crumbs ("加强" -> "强化" as
-加 强 +化), so an unchanged run shorter than MIN_EQUAL_RUN between two changes is folded into
them: the reader sees -加强 +强化. Each change is given as its deletion followed by its insertion.

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
PHRASE_MIN = 0.5       # least similarity for two changed phrases to be diffed character by character
MAX_BLOCK = 400        # a changed block with more phrase pairs than this is diffed on characters whole
_PHRASE = re.compile(r"[^，。；：！？,;:!?\n]*[，。；：！？,;:!?\n]|[^，。；：！？,;:!?\n]+")
_TOKEN = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+(?:[.．][0-9０-９]+)*|.", re.S)

Op = Literal["equal", "delete", "insert"]
DELETE_WORD, INSERT_WORD = "删除", "新增"


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _char_runs(old: str, new: str) -> list[list[str]]:
    """[kind, deleted, inserted] runs of a character diff; kind "equal" (text in [1]) or "change"."""
    a, b = _tokens(old), _tokens(new)
    runs = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        runs.append(["equal", "".join(a[i1:i2]), ""] if op == "equal" else
                    ["change", "".join(a[i1:i2]), "".join(b[j1:j2])])
    return runs


def _block_runs(old: list[str], new: list[str]) -> list[list[str]]:
    """Runs for a block of changed phrases: alike phrases (in order) diffed on characters, the
    others deleted or inserted whole; no alike pair, or a huge block: one character diff."""
    if not old or not new or len(old) * len(new) > MAX_BLOCK:
        return _char_runs("".join(old), "".join(new)) if old and new else [["change", "".join(old), "".join(new)]]
    score = [[SequenceMatcher(None, a, b, autojunk=False).ratio() for b in new] for a in old]
    best = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(1, len(old) + 1):
        for j in range(1, len(new) + 1):
            pair = best[i - 1][j - 1] + score[i - 1][j - 1] if score[i - 1][j - 1] >= PHRASE_MIN else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], pair)
    pairs, i, j = [], len(old), len(new)
    while i and j:                  # on a tie, the earlier phrases pair
        if best[i][j] == best[i][j - 1]:
            j -= 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    if not pairs:
        return _char_runs("".join(old), "".join(new))
    runs, i, j = [], 0, 0
    for pi, pj in reversed(pairs):
        if i < pi or j < pj:
            runs.append(["change", "".join(old[i:pi]), "".join(new[j:pj])])
        runs += _char_runs(old[pi], new[pj])
        i, j = pi + 1, pj + 1
    if i < len(old) or j < len(new):
        runs.append(["change", "".join(old[i:]), "".join(new[j:])])
    return runs


def diff_segments(old: str, new: str) -> list[Segment]:
    """old -> new as equal / delete / insert segments; the equal and deleted texts joined give
    `old`, the equal and inserted ones give `new`."""
    old, new = old or "", new or ""
    a, b = _PHRASE.findall(old), _PHRASE.findall(new)
    runs: list[list[str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(["equal", "".join(a[i1:i2]), ""])
        else:
            runs += _block_runs(a[i1:i2], b[j1:j2])
    out: list[Segment] = []
    for kind, deleted, inserted in _fold(runs):
        if kind == "equal":
            if out and out[-1].op == "equal":
                out[-1] = Segment("equal", out[-1].text + deleted)
            else:
                out.append(Segment("equal", deleted))
            continue
        if deleted:
            out.append(Segment("delete", deleted))
        if inserted:
            out.append(Segment("insert", inserted))
    return [s for s in out if s.text]


def _fold(runs: list[list[str]]) -> list[list[str]]:
    """Fold short unchanged runs between two changes into one change; merge adjacent changes."""
    out: list[list[str]] = []
    for run in runs:
        if not run[1] and not run[2]:
            continue
        if out and run[0] == out[-1][0] == "equal":
            out[-1] = ["equal", out[-1][1] + run[1], ""]
            continue
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
