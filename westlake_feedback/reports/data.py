"""The report's input as plain data, and `compute`, which turns it into every figure the report shows.

Nothing here touches the database, Flask or the file formats: the caller loads a `ReportInput`
(see README "Reports" and `build.build_all`), `compute` returns a `ReportStats` (figures.py), and the writers in
html.py, docx_writer.py and xlsx_writer.py lay the same figures out in three formats.

What is counted
- `received`: every comment given, whatever its status.
- The analysis (participants, sections, clauses, stance, identity, channel, days, keywords,
  decisions) covers the *counted* comments: every status except those in
  `ReportInput.excluded_statuses` (spam by default). Pending and unpublished (rejected) comments
  are still opinions the office received, so they count.
- Moderation outcomes cover every received comment, spam included.
- Participants are distinct `participant_key`s among counted comments. The caller fills the key
  with a hash of whatever identifies a commenter (email, phone, IP hash, name); a comment whose key
  is empty counts as a participant of its own.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..timeutil import to_local
from . import keywords as kw
from .figures import (
    AdoptionRow, ClauseCount, ClauseResponseRow, DayCount, ReportStats, SectionCount, SectionKeywords, StanceRow, Tally,
)
from .groups import compute_groups
from .labels import (
    CHANNELS, DECISIONS, IDENTITIES, STANCES, STATUSES, UNDECIDED, WHOLE_DRAFT, WHOLE_DRAFT_AND_LOOSE,
    label_for, summarise,
)

Progress = Callable[[int, int, str], None]


def clause_display(label: str | None, title: str | None) -> str:
    """"1.强化项目建设资金保障", "第十二条 资金来源"; a comment on the whole draft reads 总体意见."""
    label, title = (label or "").strip(), (title or "").strip()
    if not label and not title:
        return WHOLE_DRAFT
    if not label or label[-1] in ".、．)）" or not title:
        return f"{label}{title}"
    return f"{label} {title}"


# ---- input -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionInfo:
    number: int
    label: str              # "一、" as written in the draft
    heading: str
    lead_department: str | None = None

    @property
    def display(self) -> str:
        return f"{self.label}{self.heading}"


@dataclass(frozen=True)
class ClauseInfo:
    number: int
    label: str              # "1." or "第十二条"
    title: str
    section_number: int | None = None

    @property
    def display(self) -> str:
        return clause_display(self.label, self.title)


@dataclass(frozen=True)
class ClauseResponseInfo:
    clause_number: int | None   # None: the summary response on the draft as a whole
    text: str


@dataclass(frozen=True)
class ReportComment:
    receipt_code: str
    section_number: int | None
    section_heading: str | None
    clause_number: int | None   # None: a comment on the whole draft
    clause_label: str | None
    clause_title: str | None
    stance: str
    identity_type: str
    channel: str
    status: str
    created_at: datetime        # aware, UTC
    body: str                   # the text to summarise: the published (redacted) text when there is one
    name_public: str | None = None
    decision: str | None = None  # adopted / partly_adopted / not_adopted / explained
    response: str = ""
    participant_key: str | None = None  # a hash identifying the commenter; see the module docstring
    cluster_id: int | None = None  # near-identical comments share one (groups.py)
    round_number: int = 1       # the round (rounds/) the comment was made on


@dataclass(frozen=True)
class ReportInput:
    title: str
    slug: str
    issuer: str | None
    opens_at: datetime
    closes_at: datetime          # exclusive, as Consultation.closes_at
    generated_at: datetime
    sections: list[SectionInfo]
    clauses: list[ClauseInfo]    # in draft order
    comments: list[ReportComment]
    clause_responses: list[ClauseResponseInfo] = field(default_factory=list)
    version: int = 1
    excluded_statuses: tuple[str, ...] = ("spam",)
    tag_counts: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, description, comments, opinions
    round_number: int | None = None  # the report covers only this round's comments; None: every round


# ---- computing ---------------------------------------------------------------------------------

KEYWORDS_PER_SECTION = 10
_CHUNKS = 50


class Steps:
    """Counts work done and reports it to an optional `progress(done, total, stage)` callable."""

    def __init__(self, progress: Progress | None, total: int, offset: int = 0, grand_total: int | None = None):
        self.progress, self.total, self.offset = progress, total, offset
        self.grand_total = grand_total or total
        self.done = 0

    def advance(self, n: int, stage: str) -> None:
        self.done = min(self.done + n, self.total)
        if self.progress:
            self.progress(self.offset + self.done, self.grand_total, stage)


def compute_steps(report_input: ReportInput) -> int:
    """How many steps `compute` reports: one per comment tallied, one per comment segmented, one to finish."""
    return 2 * len(report_input.comments) + 1


def _tallies(counter: Counter, labels: dict[str, str]) -> list[Tally]:
    """Known values in their fixed order (zeros included), then any unknown value by count."""
    known = [Tally(key, label, counter.get(key, 0)) for key, label in labels.items()]
    extra = sorted((k for k in counter if k not in labels), key=lambda k: (-counter[k], str(k)))
    return known + [Tally(k, label_for(labels, k), counter[k]) for k in extra]


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


def window_days(report_input: ReportInput, extra: list[date] = ()) -> list[date]:
    """Every local day from opening to the last day before closing, widened to any comment outside."""
    first = local_day(report_input.opens_at)
    last = max(first, local_day(report_input.closes_at - timedelta(microseconds=1)))
    if extra:
        first, last = min(first, min(extra)), max(last, max(extra))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def compute(report_input: ReportInput, progress: Progress | None = None, *, _steps: Steps | None = None) -> ReportStats:
    comments = report_input.comments
    steps = _steps or Steps(progress, compute_steps(report_input))
    chunk = max(1, len(comments) // _CHUNKS)
    steps.advance(0, "tally")

    clause_order = {c.number: i for i, c in enumerate(report_input.clauses)}
    clause_info = {c.number: c for c in report_input.clauses}

    def clause_key(number: int | None) -> tuple:
        if number is None:
            return (0, 0, 0)
        return (1, clause_order.get(number, len(clause_order)), number)

    counted: list[ReportComment] = []
    statuses: Counter = Counter()
    participants: set = set()
    per_section: Counter = Counter()
    per_clause: Counter = Counter()
    stance_by_clause: dict = defaultdict(Counter)
    identities, channels, days, stances, decisions = Counter(), Counter(), Counter(), Counter(), Counter()
    seen_clauses: dict[int, ReportComment] = {}
    for i, comment in enumerate(comments, 1):
        statuses[comment.status] += 1
        if comment.status not in report_input.excluded_statuses:
            counted.append(comment)
            participants.add(comment.participant_key or ("comment", comment.receipt_code, i))
            per_section[comment.section_number] += 1
            per_clause[comment.clause_number] += 1
            stance_by_clause[comment.clause_number][comment.stance] += 1
            stances[comment.stance] += 1
            identities[comment.identity_type] += 1
            channels[comment.channel] += 1
            days[local_day(comment.created_at)] += 1
            decisions[comment.decision or "undecided"] += 1
            if comment.clause_number is not None:
                seen_clauses.setdefault(comment.clause_number, comment)
        if i % chunk == 0:
            steps.advance(chunk, "tally")
    steps.advance(len(comments) % chunk, "tally")

    def display_of(number: int | None) -> str:
        if number is None:
            return WHOLE_DRAFT
        if number in clause_info:
            return clause_info[number].display
        sample = seen_clauses.get(number)
        return clause_display(sample.clause_label, sample.clause_title) if sample else str(number)

    # Sections, with comments outside any section last.
    loose_clauses = any(c.section_number is None for c in report_input.clauses)
    sections = [SectionCount(s.number, s.display, s.lead_department, per_section.get(s.number, 0))
                for s in report_input.sections]
    known_sections = {s.number for s in report_input.sections}
    for number in sorted(k for k in per_section if k is not None and k not in known_sections):
        heading = next((c.section_heading for c in counted if c.section_number == number), None)
        sections.append(SectionCount(number, heading or str(number), None, per_section[number]))
    sections.append(SectionCount(None, WHOLE_DRAFT_AND_LOOSE if loose_clauses else WHOLE_DRAFT,
                                 None, per_section.get(None, 0)))

    # Clauses: the whole draft first, every clause in draft order (zeros too), then the ranking.
    section_of = {c.number: c.section_number for c in report_input.clauses}
    for number, sample in seen_clauses.items():
        section_of.setdefault(number, sample.section_number)
    clause_numbers = sorted({*clause_order, *(k for k in per_clause if k is not None)}, key=clause_key)
    clauses = [ClauseCount(None, WHOLE_DRAFT, None, per_clause.get(None, 0))]
    clauses += [ClauseCount(n, display_of(n), section_of.get(n), per_clause.get(n, 0)) for n in clause_numbers]
    top_clauses = sorted((c for c in clauses if c.number is not None and c.count),
                         key=lambda c: (-c.count, clause_key(c.number)))

    stance_tallies = _tallies(stances, STANCES)
    stance_rows = [
        StanceRow(n, display_of(n), {t.key: stance_by_clause[n].get(t.key, 0) for t in stance_tallies},
                  sum(stance_by_clause[n].values()))
        for n in sorted(stance_by_clause, key=clause_key)
    ]

    per_day = [DayCount(d, days.get(d, 0)) for d in window_days(report_input, list(days))]

    decision_tallies = _tallies(Counter({k: v for k, v in decisions.items() if k != "undecided"}), DECISIONS)
    decision_tallies.append(Tally("undecided", UNDECIDED, decisions.get("undecided", 0)))

    with_decision = sorted((c for c in counted if c.decision),
                           key=lambda c: (clause_key(c.clause_number), c.created_at, c.receipt_code))
    adoption_rows = [
        AdoptionRow(seq, c.clause_number, display_of(c.clause_number), summarise(c.body), c.decision,
                    label_for(DECISIONS, c.decision), c.response or "", c.receipt_code, c.name_public,
                    c.round_number)
        for seq, c in enumerate(with_decision, 1)
    ]
    responses = [
        ClauseResponseRow(r.clause_number, display_of(r.clause_number), r.text.strip())
        for r in sorted(report_input.clause_responses, key=lambda r: clause_key(r.clause_number))
        if r.text and r.text.strip()
    ]

    # Keywords: the slow part (jieba), reported comment by comment.
    # Each distinct block of text is segmented once (see keywords.py), per section and overall.
    # Progress: half the keyword steps for reading the texts, half for segmenting, section by section.
    reading, used = len(comments) // 2, 0
    block_counts: dict = defaultdict(kw.KeywordCounter)
    for i, comment in enumerate(counted, 1):
        block_counts[comment.section_number].add(comment.body)
        if i % chunk == 0 and used + chunk <= reading:
            steps.advance(chunk, "keywords")
            used += chunk
    segmented: dict = {}
    by_section: dict = {}
    overall: Counter = Counter()
    share = (len(comments) - reading) // max(1, len(block_counts))
    for number, blocks in block_counts.items():
        by_section[number] = blocks.counts(segmented)
        overall.update(by_section[number])
        steps.advance(share, "keywords")
        used += share
    steps.advance(len(comments) - used, "keywords")
    keywords_by_section = [
        SectionKeywords(s.number, s.display, s.count, kw.most_common(by_section.get(s.number, Counter()), KEYWORDS_PER_SECTION))
        for s in sections if s.count
    ]
    steps.advance(1, "done")

    return ReportStats(
        received=len(comments),
        counted=len(counted),
        excluded=len(comments) - len(counted),
        participants=len(participants),
        sections=sections,
        clauses=clauses,
        top_clauses=top_clauses,
        stances=stance_tallies,
        stance_rows=stance_rows,
        identities=_tallies(identities, IDENTITIES),
        channels=_tallies(channels, CHANNELS),
        per_day=per_day,
        moderation=_tallies(statuses, STATUSES),
        decisions=decision_tallies,
        decided=sum(t.count for t in decision_tallies if t.key != "undecided"),
        adoption_rows=adoption_rows,
        clause_responses=responses,
        keywords_by_section=keywords_by_section,
        keywords_overall=kw.most_common(overall, KEYWORDS_PER_SECTION),
        groups=compute_groups(counted, display_of, report_input.tag_counts),
        per_round=[Tally(str(n), f"第{n}轮", k) for n, k in sorted(Counter(c.round_number for c in counted).items())],
    )
