"""staff tags (coding): tags (a codebook per consultation) and comment_tags

Two new tables only; `comments` is not altered (so the SQLite search triggers stay as they are).

Revision ID: 20261204_tags
Revises: 20261204_cluster_sort_index
Create Date: 2026-12-04 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261204_tags"
down_revision = "20261204_cluster_sort_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id", "name", name="uq_tags_consultation_name"),
    )
    op.create_table(
        "comment_tags",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tagged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tagged_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("comment_id", "tag_id"),
    )
    op.create_index("ix_comment_tags_tag_comment", "comment_tags", ["tag_id", "comment_id"])


def downgrade():
    op.drop_index("ix_comment_tags_tag_comment", table_name="comment_tags")
    op.drop_table("comment_tags")
    op.drop_table("tags")
