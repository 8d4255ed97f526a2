"""The figures a report shows, as plain data: what `data.compute` returns and the writers
(html.py, docx_writer.py, xlsx_writer.py, charts.py, narrative.py) lay out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class SectionCount:
    number: int | None          # None: comments outside any section (the whole draft)
    display: str
    lead_department: str | None
    count: int


@dataclass(frozen=True)
class ClauseCount:
    number: int | None          # None: comments on the whole draft
    display: str
    section_number: int | None
    count: int


@dataclass(frozen=True)
class StanceRow:
    clause_number: int | None
    display: str
    counts: dict[str, int]      # stance key -> count, every key of ReportStats.stances
    total: int


@dataclass(frozen=True)
class DayCount:
    day: date                   # Asia/Shanghai calendar day
    count: int


@dataclass(frozen=True)
class SectionKeywords:
    section_number: int | None
    display: str
    comments: int
    keywords: list[tuple[str, int]]


@dataclass(frozen=True)
class AdoptionRow:
    seq: int
    clause_number: int | None
    clause_display: str
    summary: str
    decision: str
    decision_label: str
    response: str
    receipt_code: str
    name_public: str | None
    round_number: int = 1


@dataclass(frozen=True)
class ClauseResponseRow:
    clause_number: int | None
    clause_display: str
    text: str


@dataclass
class ReportStats:
    received: int
    counted: int
    excluded: int
    participants: int
    sections: list[SectionCount]
    clauses: list[ClauseCount]          # whole draft first, then every clause in draft order
    top_clauses: list[ClauseCount]      # clauses with comments, most first (ties: draft order)
    stances: list[Tally]                # totals per stance, in the form's order
    stance_rows: list[StanceRow]        # one per clause with comments (whole draft first)
    identities: list[Tally]
    channels: list[Tally]
    per_day: list[DayCount]             # every local day of the window, empty days included
    moderation: list[Tally]             # status counts over every received comment
    decisions: list[Tally]              # the four outcomes, then "undecided"
    decided: int
    adoption_rows: list[AdoptionRow]
    clause_responses: list[ClauseResponseRow]
    keywords_by_section: list[SectionKeywords]
    keywords_overall: list[tuple[str, int]]
    groups: object = None               # groups.GroupStats: distinct opinions, largest clusters, tags
    per_round: list[Tally] = field(default_factory=list)  # counted comments per round, when there are several

    @property
    def busiest_day(self) -> DayCount | None:
        best = max(self.per_day, key=lambda d: d.count, default=None)
        return best if best and best.count else None

    @property
    def commented_clauses(self) -> int:
        return sum(1 for c in self.clauses if c.number is not None and c.count)
