"""The comparison table (修改对照表) of a round from its stored alignment: rows for the pages (old
and new text with deletions and insertions marked), for the DOCX and XLSX writers
(consultations.comparison_docx / comparison_xlsx), and the opinions on the old clauses."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..consultations.alignment_text import full_text
from ..consultations.comparison import ComparisonRow, sides
from ..consultations.textdiff import Segment, render_html
from .services import StoredMatch, opinion_counts


@dataclass
class ChangeRow:
    match: StoredMatch
    row: ComparisonRow
    old_html: Markup
    new_html: Markup
    opinions: int = 0           # opinions received on the old clause(s)


def _text(clauses) -> str:
    return "\n".join(full_text(c.title, c.body) for c in clauses)


def comparison_row(m: StoredMatch) -> ComparisonRow:
    return ComparisonRow(old=_text(m.old), new=_text(m.new), reason=m.reason,
                         old_label="、".join(c.label for c in m.old if c.label),
                         new_label="、".join(c.label for c in m.new if c.label))


def _html(parts: list[tuple[str, str]], side: str) -> Markup:
    return render_html([Segment(op, text) for op, text in parts], side)


def match_rows(matches: list[StoredMatch], changed_only: bool = False) -> list[ChangeRow]:
    counts = opinion_counts(c.id for m in matches for c in m.old)
    out = []
    for m in matches:
        if changed_only and not m.changed:
            continue
        row = comparison_row(m)
        old, new = sides(row)
        out.append(ChangeRow(m, row, _html(old, "old"), _html(new, "new"),
                             sum(counts.get(c.id, 0) for c in m.old)))
    return out


__all__ = ["ChangeRow", "comparison_row", "match_rows"]
