from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..consultations.models import Consultation
from ..extensions import db
from ..timeutil import UTCDateTime, now_utc


class ReportStatus(str, Enum):
    QUEUED = "queued"
    BUILDING = "building"
    DONE = "done"
    FAILED = "failed"


class Report(db.Model):
    """One version of a consultation's report. Versions are never overwritten: building again
    after decisions change makes a new version, and the one mailed at close stays downloadable."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("consultation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(20))  # close / manual / cli
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.QUEUED.value, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While building: the builder renews this as it goes; past it, the build is taken for dead
    # (a killed worker) and queued again, up to REPORT_MAX_ATTEMPTS claims, then marked failed.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_stage: Mapped[str] = mapped_column(String(20), default="")
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    round_number: Mapped[int | None] = mapped_column(Integer)  # only this round's comments; None: every round
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    html: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    docx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    xlsx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    consultation: Mapped[Consultation] = relationship()

    @property
    def error_summary(self) -> str:
        """The last line of the stored error (the exception itself, not the whole traceback)."""
        lines = [line.strip() for line in (self.error or "").splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""

    @property
    def percent(self) -> int:
        if self.status == ReportStatus.DONE.value:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0
