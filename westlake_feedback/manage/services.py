"""Creating, publishing, re-timing and archiving consultations. Each change is audit-logged
(`consultation_change`, with old -> new) in the same transaction as the change itself."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..consultations.models import Consultation, ConsultationStatus, WindowState
from ..consultations.parser import ParsedDraft, parse_draft
from ..consultations.services import ImportRefused, all_consultations, default_window, import_draft, slug_from_name
from ..extensions import db
from ..timeutil import now_utc, to_local

DRAFT = ConsultationStatus.DRAFT.value
PUBLISHED = ConsultationStatus.PUBLISHED.value
ARCHIVED = ConsultationStatus.ARCHIVED.value


class ManageRefused(ValueError):
    """The change is not allowed; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


@dataclass
class DraftMeta:
    """What an admin may correct before saving; times are aware UTC."""

    title: str
    slug: str
    opens_at: datetime
    closes_at: datetime
    issuer: str = ""
    contact_person: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    postcode: str = ""


def parse_source(text: str) -> ParsedDraft:
    """The same parser as `flask consultations import`; raises DraftParseError naming the line."""
    return parse_draft(text)


# Form fields the parser fills from the text, in form order; required ones must be filled before saving.
FIELDS_FROM_TEXT = ("title", "opens_at", "closes_at", "issuer", "contact_person", "phone", "email",
                    "postal_address", "postcode")
REQUIRED_FROM_TEXT = ("title", "opens_at", "closes_at")


def missing_fields(parsed: ParsedDraft) -> list[str]:
    """The form fields the text gave no value for: highlighted in the preview to be filled in."""
    opens_at, closes_at = default_window(parsed)
    found = {"title": parsed.title or parsed.notice_title, "opens_at": opens_at, "closes_at": closes_at}
    return [name for name in FIELDS_FROM_TEXT if not (found[name] if name in found else getattr(parsed, name))]


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None


def suggest_slug(source_name: str | None, opens_at: datetime | None) -> str:
    """From an ASCII file name, else from the opening date; made unique with -2, -3, ..."""
    base = slug_from_name(source_name.rsplit(".", 1)[0]) if source_name else "consultation"
    if base == "consultation" and opens_at is not None:
        base = f"consultation-{to_local(opens_at):%Y%m%d}"
    slug, n = base, 1
    while slug_taken(slug) or slug in ("new", "create"):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _moment(value: datetime | None) -> str | None:
    return to_local(value).isoformat(timespec="minutes") if value else None


def create_draft(parsed: ParsedDraft, meta: DraftMeta, *, source_name: str | None = None) -> Consultation:
    """Save a parsed draft with the corrected metadata as a draft consultation. Commits."""
    if slug_taken(meta.slug):
        raise ManageRefused(_("网址名称“%(slug)s”已被使用,请换一个。", slug=meta.slug), "slug")
    corrected = dataclasses.replace(
        parsed,
        title=meta.title,
        issuer=meta.issuer or None,
        contact_person=meta.contact_person or None,
        phone=meta.phone or None,
        email=meta.email or None,
        postal_address=meta.postal_address or None,
        postcode=meta.postcode or None,
    )
    try:
        result = import_draft(
            corrected, slug=meta.slug, opens_at=meta.opens_at, closes_at=meta.closes_at,
            source_name=source_name, status=DRAFT, commit=False,
        )
    except ImportRefused as refused:
        db.session.rollback()
        raise ManageRefused(str(refused), "closes_at") from None
    consultation = result.consultation
    record(
        "consultation_change", target=consultation,
        summary=f"新建草稿:{consultation.title}",
        changes={
            "status": [None, DRAFT], "slug": [None, consultation.slug], "title": [None, consultation.title],
            "opens_at": [None, _moment(consultation.opens_at)], "closes_at": [None, _moment(consultation.closes_at)],
            "sections": [None, result.sections], "clauses": [None, result.clauses],
        },
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same slug saved a moment ago by someone else
        db.session.rollback()
        raise ManageRefused(_("网址名称“%(slug)s”已被使用,请换一个。", slug=meta.slug), "slug") from None
    return consultation


def _set_status(consultation: Consultation, new: str, summary: str, extra: dict | None = None) -> None:
    changes = {"status": [consultation.status, new], **(extra or {})}
    consultation.status = new
    record("consultation_change", target=consultation, summary=summary, changes=changes)
    db.session.commit()


def publish(consultation: Consultation) -> None:
    """Draft (or archived) -> published: the pages become public."""
    if consultation.status == PUBLISHED:
        raise ManageRefused(_("该征求意见已经发布。"))
    _set_status(consultation, PUBLISHED, f"发布:{consultation.title}")


def archive(consultation: Consultation, at: datetime | None = None) -> None:
    """Published and closed -> archived: off the home page, pages stay readable without a form."""
    at = at or now_utc()
    if consultation.status == ARCHIVED:
        raise ManageRefused(_("该征求意见已经归档。"))
    if consultation.status == DRAFT:
        raise ManageRefused(_("草稿尚未发布,无需归档。"))
    if consultation.window_state(at) is not WindowState.CLOSED:
        raise ManageRefused(_("征求意见尚未截止,不能归档。请先“提前截止”,或等截止后再归档。"))
    _set_status(consultation, ARCHIVED, f"归档:{consultation.title}")


def change_window(consultation: Consultation, opens_at: datetime, closes_at: datetime) -> bool:
    """Set a new window; False if nothing changed (then nothing is logged)."""
    if consultation.status == ARCHIVED:
        raise ManageRefused(_("已归档的征求意见不能修改征求意见时间。"))
    # The form speaks in minutes: a time shown as 09:00 and sent back as 09:00 is not a change.
    opens_at = consultation.opens_at if _same_minute(opens_at, consultation.opens_at) else opens_at
    closes_at = consultation.closes_at if _same_minute(closes_at, consultation.closes_at) else closes_at
    if closes_at <= opens_at:
        raise ManageRefused(_("截止时间必须晚于开始时间。"), "closes_at")
    changes = {}
    if opens_at != consultation.opens_at:
        changes["opens_at"] = [_moment(consultation.opens_at), _moment(opens_at)]
    if closes_at != consultation.closes_at:
        changes["closes_at"] = [_moment(consultation.closes_at), _moment(closes_at)]
    if not changes:
        return False
    consultation.opens_at, consultation.closes_at = opens_at, closes_at
    record("consultation_change", target=consultation,
           summary=f"修改征求意见时间:{consultation.title}", changes=changes)
    db.session.commit()
    return True


def _same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def close_early(consultation: Consultation, at: datetime | None = None) -> None:
    """End an open window now: closes_at = now."""
    at = at or now_utc()
    if consultation.status == ARCHIVED:
        raise ManageRefused(_("该征求意见已经归档。"))
    state = consultation.window_state(at)
    if state is WindowState.NOT_YET_OPEN:
        raise ManageRefused(_("征求意见尚未开始,不能提前截止;如需调整,请修改征求意见时间。"))
    if state is WindowState.CLOSED:
        raise ManageRefused(_("征求意见已经截止。"))
    at = max(at.replace(microsecond=0), consultation.opens_at)
    changes = {"closes_at": [_moment(consultation.closes_at), _moment(at)]}
    consultation.closes_at = at
    record("consultation_change", target=consultation,
           summary=f"提前截止:{consultation.title}", changes=changes)
    db.session.commit()


# Queries -----------------------------------------------------------------

def managed_consultations() -> Select:
    return all_consultations()
