from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..clusters.models import CommentCluster  # noqa: F401  (the table cluster_id refers to)
from ..consultations.models import Clause, Consultation
from ..digests.models import Digest  # noqa: F401  (the table digest_id refers to)
from ..extensions import db
from ..timeutil import UTCDateTime, now_utc

DEFAULT_LOCALE = "zh_CN"  # as Config.BABEL_DEFAULT_LOCALE


_LABELS: dict[type, dict] = {}  # each enum's lazy labels, made once (they translate when shown)
_VALUES: dict[type, frozenset[str]] = {}


class LabelledEnum(str, Enum):
    """A str enum whose members carry a translatable label."""

    @property
    def label(self) -> str:
        cls = type(self)
        labels = _LABELS.get(cls)
        if labels is None:
            labels = _LABELS[cls] = cls._labels()
        return str(labels[self])

    @classmethod
    def value_set(cls) -> frozenset[str]:
        """The members' values, for a form that checks a choice without showing its labels."""
        values = _VALUES.get(cls)
        if values is None:
            values = _VALUES[cls] = frozenset(member.value for member in cls)
        return values

    @classmethod
    def _labels(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class Stance(LabelledEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    AMEND = "amend"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {cls.SUPPORT: _l("赞成"), cls.OPPOSE: _l("反对"), cls.AMEND: _l("修改建议"), cls.OTHER: _l("其他")}


class IdentityType(LabelledEnum):
    INDIVIDUAL = "individual"
    COMPANY = "company"
    SOCIAL_ORG = "social_org"
    GOVERNMENT = "government"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.INDIVIDUAL: _l("个人"),
            cls.COMPANY: _l("企业"),
            cls.SOCIAL_ORG: _l("社会组织"),
            cls.GOVERNMENT: _l("政府部门"),
            cls.OTHER: _l("其他"),
        }


class Channel(LabelledEnum):
    WEB = "web"
    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    MEETING = "meeting"

    @classmethod
    def _labels(cls):
        return {
            cls.WEB: _l("网上提交"),
            cls.LETTER: _l("信函"),
            cls.EMAIL: _l("电子邮件"),
            cls.PHONE: _l("电话"),
            cls.MEETING: _l("座谈会"),
        }


class CommentStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"

    @classmethod
    def _labels(cls):
        return {
            cls.PENDING: _l("待审核"),
            cls.APPROVED: _l("已公开"),
            cls.REJECTED: _l("未予公开"),
            cls.SPAM: _l("垃圾信息"),
        }


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # The staff queue (moderation/queue.py), newest or oldest first, with and without a status.
        Index("ix_comments_consultation_status_created_id", "consultation_id", "status", "created_at", "id"),
        Index("ix_comments_consultation_created", "consultation_id", "created_at", "id"),
        # The clause page's listing: approved comments of one clause, newest first (a backward scan).
        Index("ix_comments_clause_status_created", "clause_id", "status", "created_at", "id"),
        # The published feedback's counts per clause (one GROUP BY) and the whole document's entries.
        Index("ix_comments_consultation_clause_status_created", "consultation_id", "clause_id", "status",
              "created_at", "id"),
        Index("ix_comments_cluster", "cluster_id", "id"),  # a cluster's members, first one first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the value before a change is known even when it was not loaded (expired by
    # a commit), for the stored counts and tallies (comments/counts.py, feedback/tallies.py).
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 active_history=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clauses.id", ondelete="SET NULL"), active_history=True)
    # The round (ConsultationRound.number) the comment was made on: its clause is of that round.
    round_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1", active_history=True)
    stance: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(100))
    identity_type: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 同意公开姓名/单位: the commenter agreed to show their name (or organisation) beside the
    # published comment. Staff may withdraw it (never grant it); False shows the comment anonymously.
    publish_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    channel: Mapped[str] = mapped_column(String(20), default=Channel.WEB.value)
    receipt_code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.PENDING.value, active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    ip_hash: Mapped[str | None] = mapped_column(String(64))  # see privacy/iphash.py
    # The interface language the commenter wrote in (a Babel locale from LANGUAGES): their mail
    # comes in it. Offline opinions never saw the interface and keep the Chinese default.
    locale: Mapped[str] = mapped_column(String(8), default=DEFAULT_LOCALE, server_default=DEFAULT_LOCALE)
    # Set by the privacy purge when it removes the contact details: a random pseudonym, one per
    # commenter within the consultation, so that report statistics (participants) stay the same.
    participant_ref: Mapped[str | None] = mapped_column(String(24))
    # One token per rendered form: a replayed POST finds the comment it already made.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Offline intake (letter, email, phone, meeting): local dates it arrived / was postmarked,
    # the sender's postal address, and the staff member who typed it in.
    received_on: Mapped[date | None] = mapped_column(Date)
    postmarked_on: Mapped[date | None] = mapped_column(Date)
    postal_address: Mapped[str | None] = mapped_column(String(300))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The digest that reported this comment to the contact mailbox; NULL until one has.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digests.id", ondelete="SET NULL"), index=True)

    # The cluster of near-identical comments this one belongs to (westlake_feedback/clusters/); its
    # id is the id of the cluster's first comment. Set in the transaction that stores the comment.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("comment_clusters.id", ondelete="SET NULL"))

    # Moderation. published_body NULL: the public pages show `body` as submitted.
    published_body: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(String(20))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship()
    clause: Mapped[Clause | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])
    # `decision` (Decision | None) is added by westlake_feedback.moderation.models.

    @property
    def stance_label(self) -> str:
        return Stance(self.stance).label

    @property
    def identity_label(self) -> str:
        return IdentityType(self.identity_type).label

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label

    @property
    def status_label(self) -> str:
        return CommentStatus(self.status).label

    @property
    def public_body(self) -> str:
        """The text the public pages show: the redacted version if staff made one."""
        return self.published_body if self.published_body is not None else self.body

    @property
    def is_redacted(self) -> bool:
        return self.published_body is not None

    @property
    def public_author(self) -> str | None:
        """What the public pages show beside the comment: with consent, the organisation for a
        company or social organisation and the name for anyone else; otherwise nothing."""
        if not self.publish_name:
            return None
        if self.identity_type in (IdentityType.COMPANY.value, IdentityType.SOCIAL_ORG.value):
            return self.organisation or None
        return self.name or self.organisation or None

    @property
    def is_published(self) -> bool:
        return self.status == CommentStatus.APPROVED.value
