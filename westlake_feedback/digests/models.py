"""A digest run: which comments went to the contact mailbox, and when."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..consultations.models import Consultation
from ..extensions import db
from ..mail.models import OutboxMessage  # noqa: F401  (the table message_id refers to)
from ..timeutil import UTCDateTime, now_utc


class DigestKind(str, Enum):
    SCHEDULED = "scheduled"  # the daily slot; at most one per consultation and local date
    ON_DEMAND = "on_demand"  # `flask digests send --now`
    FINAL = "final"  # the leftovers when the window closes, sent with the close notice


class Digest(db.Model):
    __tablename__ = "digests"
    # Scheduled digests are unique per local date; NULL slot_date (the others) never collides.
    __table_args__ = (UniqueConstraint("consultation_id", "slot_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    slot_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # NULL when nothing was sent (no new comments and the consultation sends no empty digests).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship()

    def __repr__(self) -> str:
        return f"<Digest {self.id} {self.kind} {self.slot_date}>"
