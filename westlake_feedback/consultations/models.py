from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import LOCAL_TZ, UTCDateTime, now_utc

DIGEST_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def split_addresses(text: str | None) -> list[str]:
    """Addresses separated by commas, semicolons (also full-width) or whitespace."""
    return [part for part in re.split(r"[\s,;,;]+", text or "") if part]


class WindowState(str, Enum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


class ConsultationStatus(str, Enum):
    """draft: only staff see it; published: public; archived: still readable, no longer listed."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        labels = {self.DRAFT: _l("草稿"), self.PUBLISHED: _l("已发布"), self.ARCHIVED: _l("已归档")}
        return str(labels[self])


class Consultation(db.Model):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    notice_title: Mapped[str | None] = mapped_column(String(300))
    notice_text: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str | None] = mapped_column(String(200))
    index_number: Mapped[str | None] = mapped_column(String(100))
    document_number: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_person: Mapped[str | None] = mapped_column(String(100))
    postal_address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200))
    preamble: Mapped[str] = mapped_column(Text, default="")
    closing_text: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    show_approved_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    # Published by default, so CLI imports and existing rows stay public; staff creations start as draft.
    status: Mapped[str] = mapped_column(
        String(20), default=ConsultationStatus.PUBLISHED.value, server_default=ConsultationStatus.PUBLISHED.value
    )
    source_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    # Digests to the contact mailbox (see westlake_feedback/digests/).
    digest_time: Mapped[str] = mapped_column(String(5), default="18:00", server_default="18:00")
    digest_extra_recipients: Mapped[str] = mapped_column(Text, default="", server_default="")
    # '1' rather than true(): a constant, so SQLite adds the column in place instead of rebuilding.
    digest_send_empty: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    close_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office's published feedback (意见采纳情况), see westlake_feedback/feedback/.
    feedback_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    feedback_intro: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Approved comments on this consultation (on its clauses and on the whole draft), kept by
    # westlake_feedback/comments/counts.py whenever a comment's status changes: pages read it.
    approved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The number of the current round (the latest published one, see ConsultationRound): its
    # sections and clauses are `sections` and `clauses`, its window is opens_at/closes_at.
    current_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    sections: Mapped[list[Section]] = relationship(
        back_populates="consultation", order_by="Section.position", cascade="all, delete-orphan"
    )
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="consultation", order_by="Clause.position", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[ConsultationRound]] = relationship(
        order_by="ConsultationRound.number", viewonly=True
    )

    @property
    def feedback_is_published(self) -> bool:
        return self.feedback_published_at is not None

    def window_state(self, at: datetime) -> WindowState:
        if at < self.opens_at:
            return WindowState.NOT_YET_OPEN
        if at < self.closes_at:
            return WindowState.OPEN
        return WindowState.CLOSED

    def is_open(self, at: datetime) -> bool:
        return self.window_state(at) is WindowState.OPEN

    @property
    def status_enum(self) -> ConsultationStatus:
        return ConsultationStatus(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == ConsultationStatus.DRAFT.value

    @property
    def is_archived(self) -> bool:
        return self.status == ConsultationStatus.ARCHIVED.value
    def digest_slot(self, day: date) -> datetime:
        """The moment (UTC) of the scheduled digest on a local calendar day."""
        match = DIGEST_TIME.match(self.digest_time or "") or DIGEST_TIME.match("18:00")
        local = datetime.combine(day, time(int(match.group(1)), int(match.group(2))), LOCAL_TZ)
        return local.astimezone(timezone.utc)

    @property
    def extra_digest_recipients(self) -> list[str]:
        return split_addresses(self.digest_extra_recipients)

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


class RoundStatus(str, Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ConsultationRound(db.Model):
    """One draft of a consultation put out for comment (征求意见稿, 修改稿 ...), numbered from 1.

    Every section and clause belongs to a round (`round_id`). Only the current round's sections
    and clauses also carry `consultation_id`, so every page and query that reads
    `Consultation.clauses` (or filters on Clause.consultation_id) sees the current text; the
    clauses of earlier and of not yet published rounds have consultation_id NULL and are reached
    through their round. Publishing a round moves consultation_id over (rounds/services.py)."""

    __tablename__ = "consultation_rounds"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    preamble: Mapped[str] = mapped_column(Text, default="")
    closing_text: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    consultation: Mapped[Consultation] = relationship()
    sections: Mapped[list[Section]] = relationship(order_by="Section.position", viewonly=True)
    clauses: Mapped[list[Clause]] = relationship(order_by="Clause.position", viewonly=True)

    @property
    def is_published(self) -> bool:
        return self.status == RoundStatus.PUBLISHED.value

    def __repr__(self) -> str:
        return f"<ConsultationRound {self.consultation_id}/{self.number}>"


class ClauseAlignment(db.Model):
    """One link of a round's clause alignment: a clause of the round (`new_clause`) and the clause of
    the previous round it came from (`old_clause`). A new clause has no old clause, a deleted one
    no new clause; a split or merge is several links with one `match_no`. `reason` is the office's
    reason for the change (修改理由), kept on every link of the match."""

    __tablename__ = "clause_alignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    match_no: Mapped[int] = mapped_column(Integer)
    old_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"), index=True)
    new_clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")

    old_clause: Mapped[Clause | None] = relationship(foreign_keys=[old_clause_id])
    new_clause: Mapped[Clause | None] = relationship(foreign_keys=[new_clause_id])


class Section(db.Model):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set only while the section is in the current round (see ConsultationRound).
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40), default="")
    heading: Mapped[str] = mapped_column(String(300))
    lead_department: Mapped[str | None] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)

    consultation: Mapped[Consultation | None] = relationship(back_populates="sections")
    round: Mapped[ConsultationRound | None] = relationship(foreign_keys=[round_id])
    clauses: Mapped[list[Clause]] = relationship(back_populates="section", order_by="Clause.position")


class Clause(db.Model):
    __tablename__ = "clauses"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set only while the clause is in the current round (see ConsultationRound).
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    # Approved comments on this clause, kept like Consultation.approved_count.
    approved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    consultation: Mapped[Consultation | None] = relationship(back_populates="clauses")
    round: Mapped[ConsultationRound | None] = relationship(foreign_keys=[round_id])
    section: Mapped[Section | None] = relationship(back_populates="clauses")

    @property
    def title_in_body(self) -> bool:
        """False when the title is a heading written alone on its line ("（二）改革目标"), not in the body."""
        return not self.title or self.body.startswith(self.title) or self.text_after_title != self.body

    @property
    def text_after_title(self) -> str:
        """The body without its opening title sentence, for pages that show the title as a heading."""
        for opening in (self.title + "。", self.title + ".", f"({self.title})", f"（{self.title}）", f"【{self.title}】"):
            if self.body.startswith(opening) and len(self.body) > len(opening):
                return self.body[len(opening):].lstrip()
        return self.body
