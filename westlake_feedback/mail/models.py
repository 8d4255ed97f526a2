"""The outbox: every outgoing message is a row, written in the transaction of its cause."""
from __future__ import annotations

import json
from datetime import datetime
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, now_utc


class MessageKind(str, Enum):
    RECEIPT = "receipt"
    DIGEST = "digest"
    CLOSE_NOTICE = "close_notice"
    FEEDBACK_PUBLISHED = "feedback_published"

    @property
    def label(self) -> str:
        return str({
            MessageKind.RECEIPT: _l("意见回执"),
            MessageKind.DIGEST: _l("意见汇总"),
            MessageKind.CLOSE_NOTICE: _l("截止通知"),
            MessageKind.FEEDBACK_PUBLISHED: _l("反馈公布通知"),
        }[self])


class OutboxStatus(str, Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str({OutboxStatus.PENDING: _l("待发送"), OutboxStatus.SENT: _l("已发送"),
                    OutboxStatus.FAILED: _l("发送失败")}[self])


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipients_json: Mapped[str] = mapped_column("recipients", Text)
    # NULL subject and text_body: a receipt the worker renders just before sending it (commenters.py).
    subject: Mapped[str | None] = mapped_column(String(500))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # Makes enqueueing idempotent, e.g. "receipt:<comment id>"; NULL for messages that need none.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", order_by="OutboxAttachment.id", cascade="all, delete-orphan"
    )

    @property
    def recipients(self) -> list[str]:
        return json.loads(self.recipients_json)

    @recipients.setter
    def recipients(self, addresses: list[str]) -> None:
        self.recipients_json = self.encode_recipients(addresses)

    @staticmethod
    def encode_recipients(addresses: list[str]) -> str:
        """The stored form of the recipients column (a JSON list)."""
        return json.dumps(list(addresses), ensure_ascii=False)

    @property
    def shown_subject(self) -> str:
        """The subject, or a note for a receipt whose text the worker has not written yet."""
        return self.subject if self.subject is not None else str(_l("(发送前生成)"))

    @property
    def kind_label(self) -> str:
        return MessageKind(self.kind).label

    @property
    def status_label(self) -> str:
        return OutboxStatus(self.status).label

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
