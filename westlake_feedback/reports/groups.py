"""Distinct opinions (clusters of near-identical comments, clusters/) and counts per tag, for the report.

Computed in the same pass over the counted comments as the other figures (no query per comment):
each `ReportComment` carries its `cluster_id`; a comment without one (stored before clustering and
not rebuilt) counts as an opinion of its own. Sizes are of the *counted* members (spam left out),
so the figures add up with the rest of the report. Tag counts come from one GROUP BY in loading.py.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .labels import summarise

TOP_CLUSTERS = 10
REPRESENTATIVE_CHARS = 120


@dataclass(frozen=True)
class ClusterRow:
    rank: int
    size: int
    clause_display: str   # the clause of its first counted comment
    text: str             # that comment's text, shortened: one representative per cluster


@dataclass(frozen=True)
class TagRow:
    name: str
    description: str
    comments: int
    opinions: int         # distinct clusters among those comments


@dataclass
class GroupStats:
    comments: int                     # N: counted comments
    repeated: int                     # M: of them, in a group of two or more
    groups: int                       # K: groups of two or more
    opinions: int                     # distinct opinions: N - M + K
    top: list[ClusterRow] = field(default_factory=list)
    per_clause: dict = field(default_factory=dict)  # clause number (None: whole draft) -> distinct opinions
    tags: list[TagRow] = field(default_factory=list)

    def sentence(self) -> str:
        if not self.repeated:
            return f"共收到意见{self.comments}条，未发现内容相同或高度相似的意见。"
        return (f"共收到意见{self.comments}条，其中{self.repeated}条内容相同或高度相似，归为{self.groups}组；"
                f"按不同意见计，共{self.opinions}条。")


def compute_groups(counted, display_of, tag_rows=()) -> GroupStats:
    """`counted`: the counted ReportComments in arrival order; `display_of(clause number)` -> its name."""
    sizes: Counter = Counter()
    first: dict = {}
    per_clause: dict = defaultdict(set)
    for index, comment in enumerate(counted):
        key = comment.cluster_id if comment.cluster_id is not None else ("alone", index)
        sizes[key] += 1
        first.setdefault(key, comment)
        per_clause[comment.clause_number].add(key)
    multi = [(key, n) for key, n in sizes.items() if n > 1]
    repeated, groups = sum(n for _key, n in multi), len(multi)
    ranked = sorted(multi, key=lambda item: (-item[1], first[item[0]].created_at, first[item[0]].receipt_code))
    top = [ClusterRow(rank, n, display_of(first[key].clause_number), summarise(first[key].body, REPRESENTATIVE_CHARS))
           for rank, (key, n) in enumerate(ranked[:TOP_CLUSTERS], 1)]
    return GroupStats(len(counted), repeated, groups, len(counted) - repeated + groups, top,
                      {number: len(keys) for number, keys in per_clause.items()},
                      [TagRow(*row) for row in tag_rows])
