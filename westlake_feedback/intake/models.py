from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..accounts.models import User
from ..comments.models import Comment
from ..extensions import db
from ..timeutil import UTCDateTime, now_utc


class Attachment(db.Model):
    """The scan or file of an offline opinion's original, stored under instance/uploads/."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # random; never from the client
    content_type: Mapped[str] = mapped_column(String(100))  # from the file's content, not its name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    comment: Mapped[Comment] = relationship(
        backref=backref("attachments", order_by="Attachment.id", passive_deletes=True)
    )
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.stored_name} of comment {self.comment_id}>"
