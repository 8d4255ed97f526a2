"""The rows of a comparison table (修改对照表): old text, new text, the reason for the change.

The DOCX and XLSX writers (comparison_docx, comparison_xlsx) take these rows; `rows_from_alignment`
builds them from an Alignment and the two drafts' clauses.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .alignment import Alignment, ClauseText, Match
from .textdiff import diff_segments

HEADERS = ("原条文", "修改后条文", "修改理由")
NO_OLD_TEXT = "（新增）"        # old column of a new clause
NO_NEW_TEXT = "（删除）"        # new column of a deleted clause


@dataclass(frozen=True)
class ComparisonRow:
    old: str                    # old clause text ("" for a new clause)
    new: str                    # new clause text ("" for a deleted clause)
    reason: str = ""
    old_label: str = ""         # "第十二条": shown before the text, not part of the diff
    new_label: str = ""


def as_rows(rows: Iterable) -> list[ComparisonRow]:
    """ComparisonRows from ComparisonRows or (old, new, reason) tuples."""
    return [r if isinstance(r, ComparisonRow) else ComparisonRow(*r) for r in rows]


def rows_from_alignment(alignment: Alignment, old: Sequence[ClauseText], new: Sequence[ClauseText],
                        reasons: Mapping[Match, str] | None = None) -> list[ComparisonRow]:
    """One row per changed match (Alignment.changed()), texts of split or merged clauses joined by
    line breaks, labels by 、."""
    old_by_key, new_by_key = {c.key: c for c in old}, {c.key: c for c in new}
    reasons = reasons or {}
    rows = []
    for m in alignment.changed():
        olds, news = [old_by_key[k] for k in m.old], [new_by_key[k] for k in m.new]
        rows.append(ComparisonRow(
            old="\n".join(c.text for c in olds), new="\n".join(c.text for c in news), reason=reasons.get(m, ""),
            old_label="、".join(c.label for c in olds if c.label),
            new_label="、".join(c.label for c in news if c.label)))
    return rows


def sides(row: ComparisonRow) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(old column, new column) as (op, text) runs: equal and deleted text for the old column,
    equal and inserted text for the new one. A deleted clause is deleted whole, a new one inserted."""
    if not row.new:                                 # a deleted clause: all of it struck through
        return [("delete", row.old)] if row.old else [], []
    if not row.old:                                 # a new clause: all of it inserted
        return [], [("insert", row.new)]
    segments = diff_segments(row.old, row.new)
    old = [(s.op, s.text) for s in segments if s.op != "insert"]
    new = [(s.op, s.text) for s in segments if s.op != "delete"]
    return old, new
