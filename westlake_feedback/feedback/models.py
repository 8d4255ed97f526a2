"""The stored tallies the published feedback is read from (kept by tallies.py)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

UNDECIDED = "undecided"  # the outcome of a comment without a decision

_ON_CLAUSE = text("clause_id IS NOT NULL")
_WHOLE = text("clause_id IS NULL")


class FeedbackTally(db.Model):
    """How many comments of a consultation, round and clause (None: the whole document) have this
    status and this outcome (a DecisionOutcome value, or "undecided"). Every comment counts in
    exactly one row, spam included; rows whose count fell to 0 stay."""

    __tablename__ = "feedback_tallies"
    __table_args__ = (
        # One row per key. Two partial indexes because NULL (the whole document) is never equal to
        # NULL in a unique index; the upserts in tallies.py name the one they conflict on.
        Index("ux_feedback_tallies_clause", "consultation_id", "clause_id", "round_number", "status", "outcome",
              unique=True, sqlite_where=_ON_CLAUSE, postgresql_where=_ON_CLAUSE),
        Index("ux_feedback_tallies_whole", "consultation_id", "round_number", "status", "outcome",
              unique=True, sqlite_where=_WHOLE, postgresql_where=_WHOLE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    round_number: Mapped[int] = mapped_column(Integer)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
