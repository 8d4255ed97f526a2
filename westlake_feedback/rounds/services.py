"""Redraft rounds: a revised draft (修改稿) imported as the next round of a consultation, its clause
alignment with the current round, corrections, and publishing.

A new round starts as a draft: its sections and clauses have round_id but no consultation_id, so
no page or query of the current round sees them (see ConsultationRound). `publish_round` moves
consultation_id from the current round's rows to the new round's and copies its window and text
onto the consultation: every existing page then shows the new round.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, delete, insert, select, update

from ..audit.services import record
from ..consultations.alignment import Alignment, ClauseText, Kind, Match, align_clauses, make_match, problems
from ..consultations.models import (Clause, ClauseAlignment, Consultation, ConsultationRound, RoundStatus,
                                    Section)
from ..consultations.parser import ParsedDraft
from ..consultations.services import ImportRefused, default_window
from ..extensions import db
from ..timeutil import now_utc


class RoundRefused(ImportRefused):
    """The round cannot be imported, corrected or published as asked (message for the operator)."""


@dataclass
class RoundResult:
    round: ConsultationRound
    replaced: bool              # an unpublished draft round was replaced
    sections: int
    clauses: int
    alignment: Alignment


# Queries -----------------------------------------------------------------

def revisable_choices() -> list[tuple[str, str]]:
    """(slug, title) of the consultations a revised draft can be imported into: not drafts."""
    rows = db.session.execute(select(Consultation.slug, Consultation.title)
                              .where(Consultation.status != "draft").order_by(Consultation.title))
    return [(slug, f"{title}({slug})") for slug, title in rows]


def rounds_of(consultation: Consultation) -> Select:
    return select(ConsultationRound).where(ConsultationRound.consultation_id == consultation.id) \
        .order_by(ConsultationRound.number)


def published_rounds(consultation: Consultation) -> Select:
    return rounds_of(consultation).where(ConsultationRound.status == RoundStatus.PUBLISHED.value)


def round_by_number(consultation: Consultation, number: int) -> Select:
    return select(ConsultationRound).where(ConsultationRound.consultation_id == consultation.id,
                                           ConsultationRound.number == number)


def current_round(consultation: Consultation) -> ConsultationRound | None:
    return db.session.scalar(round_by_number(consultation, consultation.current_round))


def draft_round(consultation: Consultation) -> ConsultationRound | None:
    """The unpublished round after the current one, if one was imported."""
    return db.session.scalar(rounds_of(consultation).where(
        ConsultationRound.number > consultation.current_round,
        ConsultationRound.status == RoundStatus.DRAFT.value))


def round_clauses(round_: ConsultationRound) -> list[Clause]:
    return list(db.session.scalars(select(Clause).where(Clause.round_id == round_.id).order_by(Clause.position)))


def round_sections(round_: ConsultationRound) -> list[Section]:
    return list(db.session.scalars(select(Section).where(Section.round_id == round_.id).order_by(Section.position)))


def alignment_links(round_: ConsultationRound) -> list[ClauseAlignment]:
    """The stored links of a round's alignment with the round before it, in match order."""
    return list(db.session.scalars(select(ClauseAlignment).where(ClauseAlignment.round_id == round_.id)
                                   .order_by(ClauseAlignment.match_no, ClauseAlignment.id)))


def previous_round(round_: ConsultationRound) -> ConsultationRound | None:
    return db.session.scalar(select(ConsultationRound).where(
        ConsultationRound.consultation_id == round_.consultation_id, ConsultationRound.number == round_.number - 1))


# Import ------------------------------------------------------------------

def import_round(parsed: ParsedDraft, consultation: Consultation, *, opens_at: datetime | None = None,
                 closes_at: datetime | None = None, source_name: str | None = None,
                 commit: bool = True) -> RoundResult:
    """Add `parsed` as the next round of `consultation` (status draft), with its proposed alignment
    to the current round stored. An unpublished draft round already there is replaced."""
    if not parsed.all_clauses:
        raise RoundRefused(_("修改稿中没有找到条款。"))
    default_open, default_close = default_window(parsed)
    opens_at, closes_at = opens_at or default_open, closes_at or default_close
    if opens_at is None or closes_at is None:
        raise RoundRefused(_("修改稿中没有找到征求意见的起止日期,请指定开始和截止时间。"))
    if closes_at <= opens_at:
        raise RoundRefused(_("征求意见截止时间必须晚于开始时间。"))
    existing = draft_round(consultation)
    if existing is not None:
        number = existing.number
        db.session.delete(existing)        # its sections, clauses and links go with it (ON DELETE CASCADE)
        db.session.flush()
    else:
        number = max([r.number for r in db.session.scalars(rounds_of(consultation))] or [0]) + 1
    new_round = ConsultationRound(
        consultation=consultation, number=number, title=parsed.title or parsed.notice_title or consultation.title,
        preamble=parsed.preamble, closing_text=parsed.closing_text, opens_at=opens_at, closes_at=closes_at,
        status=RoundStatus.DRAFT.value, source_name=source_name)
    db.session.add(new_round)
    db.session.flush()
    clauses = _insert_structure(new_round, parsed)
    old = list(consultation.clauses)
    alignment = align_clauses([ClauseText.from_parsed(c) for c in old], [ClauseText.from_parsed(c) for c in clauses])
    store_alignment(new_round, alignment.matches, {c.number: c.id for c in old}, {c.number: c.id for c in clauses})
    record("consultation_change", target=consultation, summary=f"导入修改稿(第{number}轮):{new_round.title}",
           changes={"round": [None, number], "clauses": [None, len(clauses)],
                    "opens_at": [None, str(opens_at)], "closes_at": [None, str(closes_at)]})
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return RoundResult(new_round, existing is not None, len(parsed.sections), len(clauses), alignment)


def _insert_structure(round_: ConsultationRound, parsed: ParsedDraft) -> list[Clause]:
    """The round's sections and clauses, by bulk INSERT: ORM objects without a consultation
    would be orphans of Consultation.sections/clauses to the unit of work."""
    section_ids = []
    if parsed.sections:
        section_ids = list(db.session.scalars(insert(Section).returning(Section.id, sort_by_parameter_order=True), [
            dict(round_id=round_.id, consultation_id=None, number=s.number, label=s.label, heading=s.heading,
                 lead_department=s.lead_department, intro=s.intro, position=position)
            for position, s in enumerate(parsed.sections, start=1)]))
    rows, position = [], 0
    groups = [(None, parsed.loose_clauses)] + [(section_ids[i], s.clauses) for i, s in enumerate(parsed.sections)]
    for section_id, parsed_clauses in groups:
        for c in parsed_clauses:
            position += 1
            rows.append(dict(round_id=round_.id, consultation_id=None, section_id=section_id, number=c.number,
                             label=c.label, title=c.title, body=c.text, position=position))
    db.session.execute(insert(Clause), rows)
    return round_clauses(round_)


def store_alignment(round_: ConsultationRound, matches, old_ids: dict, new_ids: dict,
                    reasons: dict[int, str] | None = None, confirmed: bool = False) -> None:
    """Replace the round's links by `matches` (keys: clause numbers); reasons by match index."""
    db.session.execute(delete(ClauseAlignment).where(ClauseAlignment.round_id == round_.id))
    rows = []
    for no, m in enumerate(matches):
        for link_old in m.old or (None,):
            for link_new in m.new or (None,):
                rows.append(dict(round_id=round_.id, match_no=no, kind=m.kind.value, score=m.score,
                                 old_clause_id=old_ids[link_old] if link_old is not None else None,
                                 new_clause_id=new_ids[link_new] if link_new is not None else None,
                                 confirmed=confirmed, reason=(reasons or {}).get(no, "")))
    if rows:
        db.session.execute(insert(ClauseAlignment), rows)


# Reading the stored alignment --------------------------------------------

@dataclass
class StoredMatch:
    no: int
    kind: str
    score: float
    old: list[Clause]
    new: list[Clause]
    reason: str
    confirmed: bool

    @property
    def changed(self) -> bool:
        """Whether the comparison table lists it: its text changed."""
        if self.kind == Kind.UNCHANGED.value:
            return False
        if self.kind == Kind.MOVED.value:
            return " ".join(c.body for c in self.old) != " ".join(c.body for c in self.new)
        return True


def stored_matches(round_: ConsultationRound) -> list[StoredMatch]:
    links = alignment_links(round_)
    ids = {i for link in links for i in (link.old_clause_id, link.new_clause_id) if i}
    clauses = {c.id: c for c in db.session.scalars(select(Clause).where(Clause.id.in_(ids)))} if ids else {}
    out: dict[int, StoredMatch] = {}
    for link in links:
        m = out.setdefault(link.match_no, StoredMatch(link.match_no, link.kind, link.score, [], [], link.reason,
                                                      link.confirmed))
        for side, clause_id in ((m.old, link.old_clause_id), (m.new, link.new_clause_id)):
            if clause_id and clauses[clause_id] not in side:
                side.append(clauses[clause_id])
    for m in out.values():
        m.old.sort(key=lambda c: c.position)
        m.new.sort(key=lambda c: c.position)
    return list(out.values())


# Corrections and publishing ---------------------------------------------

def correct_alignment(round_: ConsultationRound, sources: dict[int, list[int]], reasons_new: dict[int, str],
                      reasons_deleted: dict[int, str]) -> list[Match]:
    """Rebuild the alignment from the admin's choice: for each new clause number, the old clause
    numbers it came from (empty: new); old clauses no new clause names are deleted. Several new
    clauses naming the same single old clause are its split; one naming several old ones, a merge.
    Reasons by new clause number (for a deleted clause: by old number)."""
    previous = previous_round(round_)
    old_clauses = {c.number: c for c in round_clauses(previous)} if previous else {}
    new_clauses = {c.number: c for c in round_clauses(round_)}
    for new_no, olds in sources.items():
        unknown = [n for n in olds if n not in old_clauses]
        if unknown:
            raise RoundRefused(_("第%(new)d条:原条文中没有第%(old)s条。", new=new_no,
                                 old="、".join(map(str, unknown))))
    users: dict[int, list[int]] = {}
    for new_no in sorted(sources, key=lambda n: new_clauses[n].position):
        for old_no in sources[new_no]:
            users.setdefault(old_no, []).append(new_no)
    matches, reasons, done = [], {}, set()
    text = {("old", n): ClauseText.from_parsed(c) for n, c in old_clauses.items()}
    text.update({("new", n): ClauseText.from_parsed(c) for n, c in new_clauses.items()})
    old_order = sorted(old_clauses, key=lambda n: old_clauses[n].position)
    moved_new = _moved_pairs(sources, old_order, new_clauses)
    for new_no in sorted(new_clauses, key=lambda n: new_clauses[n].position):
        if new_no in done:
            continue
        olds = sorted(sources.get(new_no, []), key=old_order.index)
        if len(olds) == 1 and len(users[olds[0]]) > 1:          # a split: every new part of that old clause
            news = users[olds[0]]
            if any(len(sources[n]) > 1 for n in news):
                raise RoundRefused(_("第%(old)d条不能同时拆分和合并。", old=olds[0]))
        else:
            news = [new_no]
            if len(olds) > 1 and any(len(users[o]) > 1 for o in olds):
                raise RoundRefused(_("第%(new)d条:合并的原条文又被其他条款使用。", new=new_no))
        done.update(news)
        moved = len(olds) == 1 and len(news) == 1 and new_no in moved_new
        match = make_match([text[("old", n)] for n in olds], [text[("new", n)] for n in news], moved=moved)
        reasons[len(matches)] = "\n".join(r for r in (reasons_new.get(n, "").strip() for n in news) if r)
        matches.append(match)
    for old_no in old_order:                 # a deleted clause goes after the match of the old clause before it
        if old_no not in users:
            before = [i for i, m in enumerate(matches) if any(old_order.index(o) < old_order.index(old_no)
                                                                for o in m.old)]
            at = max(before) + 1 if before else 0
            matches.insert(at, Match(Kind.DELETED, (old_no,), (), 0.0))
            reasons = {(k + 1 if k >= at else k): v for k, v in reasons.items()}
            reasons[at] = reasons_deleted.get(old_no, "").strip()
    found = problems(matches, list(old_clauses), list(new_clauses))
    if found:
        raise RoundRefused("; ".join(found))
    store_alignment(round_, matches, {n: c.id for n, c in old_clauses.items()},
                    {n: c.id for n, c in new_clauses.items()}, reasons, confirmed=True)
    return matches


def _moved_pairs(sources: dict[int, list[int]], old_order: list[int], new_clauses: dict) -> set[int]:
    """New clause numbers of the 1:1 pairs that are out of order: those not on a longest chain of
    pairs keeping both orders (so one clause moved far does not make every pair it crosses moved)."""
    pairs = sorted(((new_clauses[n].position, old_order.index(olds[0]), n) for n, olds in sources.items()
                    if len(olds) == 1), key=lambda p: p[0])
    best: list[int] = []            # best[k]: index into pairs of the smallest tail of a chain of length k+1
    back: list[int | None] = [None] * len(pairs)


    tails: list[int] = []
    for i, (_pos, old_index, _n) in enumerate(pairs):
        k = bisect.bisect_right(tails, old_index)
        back[i] = best[k - 1] if k else None
        if k == len(tails):
            tails.append(old_index)
            best.append(i)
        else:
            tails[k], best[k] = old_index, i
    keep, i = set(), best[-1] if best else None
    while i is not None:
        keep.add(pairs[i][2])
        i = back[i]
    return {n for _pos, _old, n in pairs} - keep


def set_reasons(round_: ConsultationRound, reasons: dict[int, str]) -> None:
    """Reasons by match number, without changing the pairs."""
    for link in alignment_links(round_):
        if link.match_no in reasons:
            link.reason = reasons[link.match_no].strip()


def publish_round(round_: ConsultationRound, at: datetime | None = None) -> None:
    """Make a draft round the current one (commits)."""
    if round_.is_published:
        raise RoundRefused(_("这一轮已经发布。"))
    consultation = round_.consultation
    if round_.number != consultation.current_round + 1:
        raise RoundRefused(_("只能发布当前轮次之后的一轮。"))
    if not alignment_links(round_):
        raise RoundRefused(_("这一轮还没有条款对照。"))
    at = at or now_utc()
    for model in (Clause, Section):
        db.session.execute(update(model).where(model.consultation_id == consultation.id).values(consultation_id=None))
        db.session.execute(update(model).where(model.round_id == round_.id).values(consultation_id=consultation.id))
    db.session.execute(update(ClauseAlignment).where(ClauseAlignment.round_id == round_.id).values(confirmed=True))
    round_.status, round_.published_at = RoundStatus.PUBLISHED.value, at
    consultation.current_round = round_.number
    consultation.title, consultation.preamble, consultation.closing_text = (
        round_.title or consultation.title, round_.preamble, round_.closing_text)
    consultation.opens_at, consultation.closes_at = round_.opens_at, round_.closes_at
    if round_.closes_at > at:
        consultation.close_notice_sent_at = None    # a new window, a new close notice
    record("consultation_change", target=consultation, summary=f"发布修改稿(第{round_.number}轮):{round_.title}",
           changes={"current_round": [round_.number - 1, round_.number]})
    db.session.commit()
    db.session.expire(consultation)


# Comments across rounds --------------------------------------------------

@dataclass
class ClauseHistory:
    clause: Clause
    comments: list                  # on this clause
    earlier: list[tuple[Clause, list]]  # (clause of an earlier round, its comments), nearest round first


def predecessors(clause: Clause) -> list[Clause]:
    """The clauses of the previous round a clause came from (stored alignment of its round)."""
    return list(db.session.scalars(
        select(Clause).join(ClauseAlignment, ClauseAlignment.old_clause_id == Clause.id)
        .where(ClauseAlignment.new_clause_id == clause.id).order_by(Clause.position)))


def clause_with_history(round_: ConsultationRound, number: int) -> ClauseHistory | None:
    from ..comments.models import Comment

    clause = db.session.scalar(select(Clause).where(Clause.round_id == round_.id, Clause.number == number))
    if clause is None:
        return None

    def comments_on(c: Clause) -> list:
        return list(db.session.scalars(select(Comment).where(Comment.clause_id == c.id)
                                       .order_by(Comment.created_at, Comment.id)))

    earlier, frontier, seen = [], [clause], {clause.id}
    while frontier:
        found = [p for c in frontier for p in predecessors(c) if p.id not in seen]
        seen.update(p.id for p in found)
        earlier += [(p, comments_on(p)) for p in found]
        frontier = found
    return ClauseHistory(clause, comments_on(clause), earlier)


def opinion_counts(clause_ids) -> dict[int, int]:
    """Opinions received (every status but spam) per clause id."""
    from sqlalchemy import func

    from ..comments.models import Comment, CommentStatus

    ids = list(clause_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Comment.clause_id, func.count()).where(
        Comment.clause_id.in_(ids), Comment.status != CommentStatus.SPAM.value).group_by(Comment.clause_id))
    return dict(rows.all())


def current_successors(consultation: Consultation) -> dict[int, int | None]:
    """Clause id of an earlier published round -> the id of the current-round clause it became
    (following each published round's alignment; the first clause of a split), None if deleted."""
    rows = db.session.execute(
        select(ClauseAlignment.old_clause_id, ClauseAlignment.new_clause_id)
        .join(ConsultationRound, ConsultationRound.id == ClauseAlignment.round_id)
        .where(ConsultationRound.consultation_id == consultation.id,
               ConsultationRound.status == RoundStatus.PUBLISHED.value, ClauseAlignment.old_clause_id.is_not(None))
        .order_by(ConsultationRound.number, ClauseAlignment.match_no, ClauseAlignment.id)).all()
    step: dict[int, int | None] = {}
    for old_id, new_id in rows:
        step.setdefault(old_id, new_id)
    out = {}
    for start in step:
        target = start
        while target in step:
            target = step[target]
            if target is None:
                break
        out[start] = target
    return out
