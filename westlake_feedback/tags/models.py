"""A consultation's codebook (tags with a short description) and which comments carry which tag."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, now_utc

NAME_MAX = 30
DESCRIPTION_MAX = 200
SEPARATOR = "；"  # joins tag names in a CSV/XLSX cell; a name may not contain it


class Tag(db.Model):
    """One code of a consultation's codebook. Names are unique within the consultation."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("consultation_id", "name", name="uq_tags_consultation_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class CommentTag(db.Model):
    """A tag on a comment. The primary key (comment_id, tag_id) gives a comment's tags; the index
    (tag_id, comment_id) gives a tag's comments, which is what the queue's tag filter reads."""

    __tablename__ = "comment_tags"
    __table_args__ = (Index("ix_comment_tags_tag_comment", "tag_id", "comment_id"),)

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
