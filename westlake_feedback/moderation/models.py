"""Moderation vocabulary and the adoption decisions (意见采纳情况) staff record."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..accounts.models import User
from ..comments.models import Comment, LabelledEnum
from ..consultations.models import Clause
from ..extensions import db
from ..timeutil import UTCDateTime, now_utc


class RejectionReason(LabelledEnum):
    OFF_TOPIC = "off_topic"
    PERSONAL_INFO = "personal_info"
    ADVERTISING = "advertising"
    ABUSE = "abuse"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.OFF_TOPIC: _l("离题"),
            cls.PERSONAL_INFO: _l("含个人信息"),
            cls.ADVERTISING: _l("广告"),
            cls.ABUSE: _l("辱骂"),
            cls.DUPLICATE: _l("重复"),
            cls.OTHER: _l("其他"),
        }


class DecisionOutcome(LabelledEnum):
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    NOT_ADOPTED = "not_adopted"
    EXPLAINED = "explained"

    @classmethod
    def _labels(cls):
        return {
            cls.ADOPTED: _l("采纳"),
            cls.PARTLY_ADOPTED: _l("部分采纳"),
            cls.NOT_ADOPTED: _l("不采纳"),
            cls.EXPLAINED: _l("解释说明"),
        }


class Decision(db.Model):
    """How the drafting office answers one comment (web or offline). At most one per comment;
    editing it keeps who/when of the latest change here and every old→new in the audit log."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the value before a change is known even when not loaded (feedback/tallies.py).
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True,
                                            active_history=True)
    outcome: Mapped[str] = mapped_column(String(20), active_history=True)
    response: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    comment: Mapped[Comment] = relationship(backref=backref("decision", uselist=False, passive_deletes=True))
    decided_by: Mapped[User | None] = relationship()

    @property
    def outcome_label(self) -> str:
        return DecisionOutcome(self.outcome).label


class ClauseResponse(db.Model):
    """An optional summary answer to all the comments on one clause."""

    __tablename__ = "clause_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    clause: Mapped[Clause] = relationship(backref=backref("response", uselist=False, passive_deletes=True))
    updated_by: Mapped[User | None] = relationship()
