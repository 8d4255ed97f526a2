"""Clause alignment between two drafts of one consultation (征求意见稿 -> 修改稿).

Developer note: how the alignment is found
------------------------------------------
Input: the old and the new draft's clauses in reading order (ParsedDraft.all_clauses, or stored
clauses), each a ClauseText with a key (the clause number), its text and label.

1. Normalise (alignment_text.py): NFKC, no whitespace, no numbering prefix (第十二条, 12.,
   （十二）), no punctuation, cross-references masked (第十七条 -> 第#条). Clause numbers are never
   compared, so renumbering by itself changes nothing.
2. Score pairs: difflib's ratio (2*matching characters / total) on the normalised texts, with a
   cheap bigram-overlap prefilter so unrelated pairs never reach difflib.
3. Monotone alignment by dynamic programming, as in sentence alignment of parallel texts: the
   best chain through the (old x new) grid that keeps both orders, with steps 1:0 (deleted),
   0:1 (new), 1:1 (a pair scoring at least ALIGN_MIN), 1:k (split) and k:1 (merged) for k up to
   MAX_GROUP consecutive clauses. A group is allowed only when every part is largely contained in
   the other side (PART_MIN, bigram containment) and the concatenations score at least GROUP_MIN.
   A step is worth (clauses covered / 2) * (score - WEIGHT_BASE), so a true split beats "one
   part edited + one part new", and an unrelated neighbour is not glued onto a group.
4. Gaps: where the chain leaves exactly one old and one new clause between two anchors, they
   are paired as edited if they score at least GAP_MIN: their place says they are the same clause
   even when it was largely rewritten.
5. Moves: clauses still unmatched on both sides are paired greedily, best score first, when
   they score at least MOVE_MIN (higher than ALIGN_MIN: there is no help from the order).
6. What is left is new (new side) or deleted (old side).

Kinds: unchanged (the same text up to width forms and whitespace), edited, moved (out of
order; `text_changed` says whether it was also edited), split, merged, new, deleted.
`renumbered` marks pairs whose key (number) changed. Every old and every new clause is in
exactly one Match; scores are 0..1, rounded to 3 places (0 for new and deleted).

Limits: a split or merge must be of consecutive clauses and in order; a clause that is moved
and split at once comes out as moved + new. The proposal is for an admin to review.

Using it: `align_drafts(old_parsed, new_parsed)` or `align_clauses(old, new)` with ClauseTexts
(ClauseText.from_parsed takes a ParsedClause or a stored Clause). `Alignment.links()` gives one
row per (old, new) pair to store; `make_match()` rebuilds a Match (kind, score) for a pair an
admin corrected and `problems()` says whether a corrected set still covers every clause once.
Cost: about 0.3 s for the 52-clause Xihu seed, 2-3 s for 170 clauses (difflib dominates).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from .alignment_text import ClauseText, Scorer

__all__ = ["Alignment", "ClauseText", "Kind", "Link", "Match", "align_clauses", "align_drafts", "make_match",
           "problems"]

PREFILTER = 0.15      # bigram Dice below which a pair scores 0 without running difflib
ALIGN_MIN = 0.5       # least score of an in-order 1:1 pair
GAP_MIN = 0.3         # least score of the lone old/new pair left between two anchors
MOVE_MIN = 0.6        # least score of an out-of-order (moved) pair
GROUP_MIN = 0.6       # least score of a split or merge (concatenation against the single clause)
PART_MIN = 0.6        # least bigram containment of each part of a split or merge in the other side
WEIGHT_BASE = 0.4     # a step is worth (clauses covered / 2) * (score - WEIGHT_BASE)
MAX_GROUP = 3         # most clauses one clause can be split into or merged from

Key = int | str


class Kind(str, Enum):
    UNCHANGED = "unchanged"
    EDITED = "edited"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"
    NEW = "new"
    DELETED = "deleted"


@dataclass(frozen=True)
class Match:
    """Old clause(s) -> new clause(s). `old` is empty for a new clause, `new` for a deleted one."""
    kind: Kind
    old: tuple[Key, ...]
    new: tuple[Key, ...]
    score: float
    renumbered: bool = False
    text_changed: bool = False

    def __str__(self) -> str:
        left = "+".join(map(str, self.old)) or "-"
        right = "+".join(map(str, self.new)) or "-"
        return f"{left} -> {right} {self.kind.value} {self.score:.3f}"


@dataclass(frozen=True)
class Link:
    """One row for a join table: old_key -> new_key (either may be None), kind and score."""
    old: Key | None
    new: Key | None
    kind: Kind
    score: float


@dataclass(frozen=True)
class Alignment:
    matches: tuple[Match, ...]     # in the new draft's order; a deleted clause after its old predecessor

    def links(self) -> list[Link]:
        rows = []
        for m in self.matches:
            for old in m.old or (None,):
                rows += [Link(old, new, m.kind, m.score) for new in m.new or (None,)]
        return rows

    @cached_property
    def _by_new(self) -> dict[Key, Match]:
        return {k: m for m in self.matches for k in m.new}

    @cached_property
    def _by_old(self) -> dict[Key, Match]:
        return {k: m for m in self.matches for k in m.old}

    def for_new(self, key: Key) -> Match:
        """The match holding new clause `key` (KeyError if there is none)."""
        return self._by_new[key]

    def for_old(self, key: Key) -> Match:
        """The match holding old clause `key` (KeyError if there is none)."""
        return self._by_old[key]

    def predecessors(self, new_key: Key) -> tuple[Key, ...]:
        """The old clauses a new clause came from (empty for a new clause)."""
        return self.for_new(new_key).old

    def successors(self, old_key: Key) -> tuple[Key, ...]:
        """The new clauses an old clause went to (empty when it was deleted)."""
        return self.for_old(old_key).new

    def changed(self) -> list[Match]:
        """The matches a comparison table lists: everything whose text changed."""
        return [m for m in self.matches
                if m.kind is not Kind.UNCHANGED and (m.kind is not Kind.MOVED or m.text_changed)]

    def counts(self) -> Counter:
        return Counter(m.kind for m in self.matches)

    def describe(self) -> str:
        return "\n".join(map(str, self.matches))


def align_drafts(old, new) -> Alignment:
    """Align two ParsedDrafts (their all_clauses, in order)."""
    return align_clauses([ClauseText.from_parsed(c) for c in old.all_clauses],
                         [ClauseText.from_parsed(c) for c in new.all_clauses])


def align_clauses(old: Sequence[ClauseText], new: Sequence[ClauseText]) -> Alignment:
    old, new = list(old), list(new)
    for side in (old, new):
        if len({c.key for c in side}) != len(side):
            raise ValueError("clause keys must be unique within a draft")
    sc = Scorer(old, new, PREFILTER)
    steps = _chain(sc, len(old), len(new))
    steps = _fill_gaps(sc, steps)
    pairs = [(olds, news) for olds, news in steps if olds and news]
    free_old = sorted(i for olds, news in steps if not news for i in olds)
    free_new = sorted(j for olds, news in steps if not olds for j in news)
    moves = _moves(sc, free_old, free_new)
    moved_old, moved_new = {i for i, _ in moves}, {j for _, j in moves}

    placed: list[tuple[tuple, Match]] = []
    anchor = {}                     # old index -> new position, for placing deleted clauses
    for olds, news in pairs:
        placed.append(((news[0], 0, 0), _match(sc, old, new, olds, news, moved=False)))
        anchor.update((i, news[-1]) for i in olds)
    for i, j in moves:
        placed.append(((j, 0, 0), _match(sc, old, new, (i,), (j,), moved=True)))
    for j in free_new:
        if j not in moved_new:
            placed.append(((j, 0, 0), Match(Kind.NEW, (), (new[j].key,), 0.0)))
    for i in free_old:
        if i not in moved_old:
            before = max((k for k in anchor if k < i), default=None)
            placed.append(((anchor[before] if before is not None else -1, 1, i),
                           Match(Kind.DELETED, (old[i].key,), (), 0.0)))
    placed.sort(key=lambda item: item[0])
    return Alignment(tuple(m for _, m in placed))


def make_match(old: Sequence[ClauseText], new: Sequence[ClauseText], *, moved: bool = False) -> Match:
    """A Match for a pair an admin chose (old and new clauses in order), with its kind and score
    computed as the alignment would: 0:1 new, 1:0 deleted, 1:k split, k:1 merged, 1:1 unchanged,
    edited or (moved=True) moved."""
    if not old or not new:
        if not old and not new:
            raise ValueError("a match needs at least one clause")
        return Match(Kind.DELETED if old else Kind.NEW, tuple(c.key for c in old), tuple(c.key for c in new), 0.0)
    if len(old) > 1 and len(new) > 1:
        raise ValueError("several old clauses cannot become several new clauses in one match")
    sc = Scorer(list(old), list(new), prefilter=0.0)
    return _match(sc, old, new, tuple(range(len(old))), tuple(range(len(new))), moved=moved)


def problems(matches: Iterable[Match], old_keys: Iterable[Key], new_keys: Iterable[Key]) -> list[str]:
    """What is wrong with a (corrected) list of matches: a clause missing or used twice, a key
    that is not in the draft. Empty when every old and every new clause is in exactly one match."""
    matches, out = list(matches), []
    for side, keys, used in (("old", list(old_keys), [k for m in matches for k in m.old]),
                             ("new", list(new_keys), [k for m in matches for k in m.new])):
        seen = Counter(used)
        out += [f"{side} clause {k} is in {seen[k]} matches" for k in keys if seen[k] > 1]
        out += [f"{side} clause {k} is in no match" for k in keys if not seen[k]]
        out += [f"{side} clause {k} is not in the draft" for k in seen if k not in set(keys)]
    return out


def _match(sc: Scorer, old, new, olds: tuple[int, ...], news: tuple[int, ...], moved: bool) -> Match:
    score = round(sc.group(olds, news), 3)
    okeys, nkeys = tuple(old[i].key for i in olds), tuple(new[j].key for j in news)
    if len(olds) > 1:
        return Match(Kind.MERGED, okeys, nkeys, score, text_changed=True)
    if len(news) > 1:
        return Match(Kind.SPLIT, okeys, nkeys, score, text_changed=True)
    changed = not sc.identical(olds[0], news[0])
    kind = Kind.MOVED if moved else (Kind.EDITED if changed else Kind.UNCHANGED)
    return Match(kind, okeys, nkeys, score, renumbered=okeys != nkeys, text_changed=changed)


def _group_score(sc: Scorer, olds: tuple[int, ...], news: tuple[int, ...]) -> float | None:
    """The score of a split (1:k) or merge (k:1) step, or None when it is not a plausible one."""
    if len(olds) == 1:
        parts_ok = all(sc.new_in_old(j, olds[0]) >= PART_MIN for j in news) and \
            sc.contained_old(olds[0], news) >= PART_MIN
    else:
        parts_ok = all(sc.old_in_new(i, news[0]) >= PART_MIN for i in olds) and \
            sc.contained_new(news[0], olds) >= PART_MIN
    if not parts_ok:
        return None
    score = sc.group(olds, news)
    return score if score >= GROUP_MIN else None


def _chain(sc: Scorer, n: int, m: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The best monotone chain of steps (old indices, new indices), in order, by dynamic programming."""
    shapes = [(1, 1)] + [(1, k) for k in range(2, MAX_GROUP + 1)] + [(k, 1) for k in range(2, MAX_GROUP + 1)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        row, prev = best[i], best[i - 1] if i else None
        for j in range(m + 1):
            if not i and not j:
                continue
            value, step = -1.0, None
            if i and prev[j] > value:
                value, step = prev[j], (1, 0)
            if j and row[j - 1] > value:
                value, step = row[j - 1], (0, 1)
            for a, b in shapes:
                if a > i or b > j:
                    continue
                if a == b == 1:
                    score = sc.pair(i - 1, j - 1)
                    score = score if score >= ALIGN_MIN else None
                elif (sc.new_in_old(j - 1, i - 1) if a == 1 else sc.old_in_new(i - 1, j - 1)) < PART_MIN:
                    continue        # the last part is not in the other side: no split or merge here
                else:
                    score = _group_score(sc, tuple(range(i - a, i)), tuple(range(j - b, j)))
                if score is None:
                    continue
                total = best[i - a][j - b] + (a + b) / 2 * (score - WEIGHT_BASE)
                if total > value:
                    value, step = total, (a, b)
            row[j], back[i][j] = value, step
    steps = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        steps.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    steps.reverse()
    return steps


def _fill_gaps(sc: Scorer, steps: list) -> list:
    """Pair the lone old and lone new clause between two anchors when they score at least GAP_MIN."""
    out, gap_old, gap_new, gap_at = [], [], [], 0

    def close():
        if len(gap_old) == 1 and len(gap_new) == 1 and sc.pair(gap_old[0], gap_new[0]) >= GAP_MIN:
            out[gap_at:] = [((gap_old[0],), (gap_new[0],))]

    for olds, news in steps:
        if olds and news:
            close()
            out.append((olds, news))
            gap_old, gap_new, gap_at = [], [], len(out)
        else:
            out.append((olds, news))
            gap_old += olds
            gap_new += news
    close()
    return out


def _moves(sc: Scorer, free_old: Iterable[int], free_new: Iterable[int]) -> list[tuple[int, int]]:
    """Greedy best-first pairing of unmatched clauses scoring at least MOVE_MIN; sorted by new index."""
    candidates = sorted(((sc.pair(i, j), i, j) for i in free_old for j in free_new
                         if sc.pair(i, j) >= MOVE_MIN), key=lambda c: (-c[0], c[2], c[1]))
    used_old, used_new, moves = set(), set(), []
    for _, i, j in candidates:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            moves.append((i, j))
    return sorted(moves, key=lambda p: p[1])
