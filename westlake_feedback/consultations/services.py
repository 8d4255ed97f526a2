"""Consultation import and the queries the public pages need."""
from __future__ import annotations

from flask_babel import gettext as _

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..timeutil import LOCAL_TZ, now_utc, window_from_days
from .models import Clause, Consultation, ConsultationRound, ConsultationStatus, RoundStatus, Section, WindowState
from .parser import DraftParseError, ParsedDraft, parse_draft

SEED_PATH = Path(__file__).parent / "data" / "xihu-2023-draft.txt"


class ImportRefused(ValueError):
    """The draft cannot be imported as asked; the message is meant for the operator."""


@dataclass
class ImportResult:
    consultation: Consultation
    created: bool
    sections: int
    clauses: int


def read_draft_file(path: Path) -> ParsedDraft:
    return parse_draft(decode_draft(path.read_bytes()))


def decode_draft(raw: bytes) -> str:
    """The text of a draft file in UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DraftParseError(_("文件编码无法识别,请另存为 UTF-8 后重试。"))  # pragma: no cover - gb18030 decodes nearly anything


def slug_from_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "consultation"


def import_draft(
    parsed: ParsedDraft,
    *,
    slug: str,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    is_demo: bool | None = None,
    source_name: str | None = None,
    status: str | None = None,
    commit: bool = True,
) -> ImportResult:
    """Create or update (by slug) a consultation from a parsed draft. Commits, unless commit=False
    (then it only flushes, so the caller can audit-log in the same transaction).

    New consultations are published unless `status` says otherwise."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    created = consultation is None
    if created:
        consultation = Consultation(slug=slug, status=status or ConsultationStatus.PUBLISHED.value)
        db.session.add(consultation)
    elif status is not None:
        consultation.status = status

    opens_at, closes_at = _window(parsed, consultation, opens_at, closes_at)
    if consultation.close_notice_sent_at and closes_at != consultation.closes_at and closes_at > now_utc():
        consultation.close_notice_sent_at = None  # the deadline was extended: a new close, a new notice
    consultation.title = parsed.title or parsed.notice_title or slug
    consultation.notice_title = parsed.notice_title
    consultation.notice_text = parsed.notice_text
    consultation.issuer = parsed.issuer
    consultation.index_number = parsed.index_number
    consultation.document_number = parsed.document_number
    consultation.published_at = _local_to_utc(parsed.published_at)
    consultation.opens_at, consultation.closes_at = opens_at, closes_at
    for attr in ("contact_person", "postal_address", "postcode", "phone", "email"):
        setattr(consultation, attr, getattr(parsed, attr))
    consultation.preamble = parsed.preamble
    consultation.closing_text = parsed.closing_text
    if is_demo is not None:
        consultation.is_demo = is_demo
    consultation.source_name = source_name or consultation.source_name

    current = _current_round_record(consultation)
    _sync_structure(consultation, parsed, current)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return ImportResult(consultation, created, len(parsed.sections), len(parsed.all_clauses))


def _local_to_utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc) if moment else None


def default_window(parsed: ParsedDraft) -> tuple[datetime | None, datetime | None]:
    """The comment window the text itself states (UTC), or None where it states none."""
    if parsed.opens_on and parsed.closes_on:
        return window_from_days(parsed.opens_on, parsed.closes_on)
    if parsed.closes_on:
        default_close = window_from_days(parsed.closes_on, parsed.closes_on)[1]
        return (_local_to_utc(parsed.published_at) if parsed.published_at else None), default_close
    return None, None


def _window(parsed, consultation, opens_at, closes_at) -> tuple[datetime, datetime]:
    default_open, default_close = default_window(parsed)
    opens_at = opens_at or consultation.opens_at or default_open
    closes_at = closes_at or consultation.closes_at or default_close
    if opens_at is None or closes_at is None:
        raise ImportRefused(_("原文中没有找到征求意见的起止日期,请用 --opens 和 --closes 指定。"))
    if closes_at <= opens_at:
        raise ImportRefused(_("征求意见截止时间必须晚于开始时间。"))
    return opens_at, closes_at


def _current_round_record(consultation: Consultation) -> ConsultationRound:
    """The current round, created (as round 1, published) for a new consultation; re-importing
    updates the current round's text and window in place."""
    current = None
    if consultation.id is not None:
        current = db.session.scalar(select(ConsultationRound).where(
            ConsultationRound.consultation_id == consultation.id,
            ConsultationRound.number == consultation.current_round))
    if current is None:
        consultation.current_round = consultation.current_round or 1
        current = ConsultationRound(consultation=consultation, number=consultation.current_round,
                                    status=RoundStatus.PUBLISHED.value, published_at=now_utc())
        db.session.add(current)
    current.title = consultation.title
    current.preamble, current.closing_text = consultation.preamble, consultation.closing_text
    current.opens_at, current.closes_at = consultation.opens_at, consultation.closes_at
    current.source_name = consultation.source_name
    return current


def _sync_structure(consultation: Consultation, parsed: ParsedDraft, current: ConsultationRound) -> None:
    """Upsert sections and clauses by number so that comments keep their clause."""
    sections_by_number = {s.number: s for s in consultation.sections}
    clauses_by_number = {c.number: c for c in consultation.clauses}
    wanted_clause_numbers = {c.number for c in parsed.all_clauses}
    _refuse_dropping_commented_clauses(consultation, set(clauses_by_number) - wanted_clause_numbers)

    kept_sections = []
    for position, parsed_section in enumerate(parsed.sections, start=1):
        section = sections_by_number.pop(parsed_section.number, None) or Section(number=parsed_section.number)
        section.label = parsed_section.label
        section.heading = parsed_section.heading
        section.lead_department = parsed_section.lead_department
        section.intro = parsed_section.intro
        section.position = position
        section.round = current
        kept_sections.append(section)
    consultation.sections = kept_sections

    kept_clauses = []
    position = 0
    groups = [(None, parsed.loose_clauses)] + [
        (kept_sections[i], s.clauses) for i, s in enumerate(parsed.sections)
    ]
    for section, parsed_clauses in groups:
        for parsed_clause in parsed_clauses:
            position += 1
            clause = clauses_by_number.pop(parsed_clause.number, None) or Clause(number=parsed_clause.number)
            clause.label = parsed_clause.label
            clause.title = parsed_clause.title
            clause.body = parsed_clause.text
            clause.position = position
            clause.section = section
            clause.round = current
            kept_clauses.append(clause)
    consultation.clauses = kept_clauses


def _refuse_dropping_commented_clauses(consultation: Consultation, dropped: set[int]) -> None:
    if not dropped or consultation.id is None:
        return
    from ..comments.models import Comment

    numbers = db.session.scalars(
        select(Clause.number)
        .join(Comment, Comment.clause_id == Clause.id)
        .where(Clause.consultation_id == consultation.id, Clause.number.in_(dropped))
        .distinct()
    ).all()
    if numbers:
        listed = "、".join(str(n) for n in sorted(numbers))
        raise ImportRefused(_("新文本删去了已有意见的条款(第%(listed)s条),为免意见丢失,已拒绝导入。", listed=listed))


def demo_window(now: datetime | None = None, days: int = 8) -> tuple[datetime, datetime]:
    start = (now or now_utc()).replace(microsecond=0)
    return start, start + timedelta(days=days)


# Queries -----------------------------------------------------------------

def consultation_by_slug(slug: str, *, with_structure: bool = False) -> Select:
    query = select(Consultation).where(Consultation.slug == slug)
    if with_structure:  # the table of contents and the full text walk every section and clause
        query = query.options(
            selectinload(Consultation.sections).selectinload(Section.clauses),
            selectinload(Consultation.clauses),
        )
    return query


def all_consultations() -> Select:
    return select(Consultation).order_by(Consultation.closes_at.desc())


PUBLIC_STATUSES = (ConsultationStatus.PUBLISHED.value, ConsultationStatus.ARCHIVED.value)


def public_consultation_by_slug(slug: str, *, with_structure: bool = False) -> Select:
    """Pages of published and archived consultations are public; drafts are not."""
    return consultation_by_slug(slug, with_structure=with_structure).where(Consultation.status.in_(PUBLIC_STATUSES))


def listed_consultations() -> Select:
    """What the home page lists: published consultations (archived ones are only linked to)."""
    return all_consultations().where(Consultation.status == ConsultationStatus.PUBLISHED.value)


def sort_for_home(consultations: list[Consultation], at: datetime) -> list[Consultation]:
    rank = {WindowState.OPEN: 0, WindowState.NOT_YET_OPEN: 1, WindowState.CLOSED: 2}
    return sorted(
        consultations,
        key=lambda c: (rank[c.window_state(at)], c.closes_at if c.is_open(at) else -c.closes_at.timestamp()),
    )


def clause_by_number(consultation: Consultation, number: int) -> Select:
    return select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == number)


def public_clause_by_number(slug: str, number: int) -> Select:
    """clause_by_number of public_consultation_by_slug, the consultation loaded by the same query."""
    return (
        select(Clause).join(Clause.consultation)
        .where(Consultation.slug == slug, Consultation.status.in_(PUBLIC_STATUSES), Clause.number == number)
        .options(contains_eager(Clause.consultation))
    )


def neighbour_clauses(clause: Clause) -> tuple[Clause | None, Clause | None]:
    base = select(Clause).where(Clause.consultation_id == clause.consultation_id)
    previous = db.session.scalar(
        base.where(Clause.position < clause.position).order_by(Clause.position.desc()).limit(1)
    )
    following = db.session.scalar(base.where(Clause.position > clause.position).order_by(Clause.position).limit(1))
    return previous, following


def count_rows(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
