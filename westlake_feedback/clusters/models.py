"""Clusters of near-identical comments and the LSH band keys that find them."""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CommentCluster(db.Model):
    """A group of comments on one consultation whose texts are near-identical. Its id is the id of
    its first comment, so a rebuild gives every cluster the id it had (and a comment that stands
    alone is a cluster of size 1 with its own id)."""

    __tablename__ = "comment_clusters"
    # Largest first, ties by id: the queue's sort by cluster size reads clusters along it.
    __table_args__ = (Index("ix_comment_clusters_consultation_size_id", "consultation_id", "size", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    size: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class ClusterBand(db.Model):
    """One LSH band key of a consultation and the first comment that had it: a new comment's
    candidates are the comments named by its band keys (one lookup on the primary key)."""

    __tablename__ = "comment_cluster_bands"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )
    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
