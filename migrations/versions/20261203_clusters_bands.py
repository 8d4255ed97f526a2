"""near-duplicate clusters: comment_clusters, their LSH band keys, comments.cluster_id

Comments stored before this migration have no cluster until `flask clusters rebuild SLUG`.

Revision ID: 20261203_clusters_bands
Revises: 20261202_flat_pages
Create Date: 2026-12-03 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261203_clusters_bands"
down_revision = "20261202_flat_pages"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "comment_clusters",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comment_clusters_consultation_size", "comment_clusters", ["consultation_id", "size"])
    op.create_table(
        "comment_cluster_bands",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultation_id", "band_key"),
    )
    op.create_index("ix_comment_cluster_bands_comment_id", "comment_cluster_bands", ["comment_id"])
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_comments_cluster_id_comment_clusters", "comment_clusters", ["cluster_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_comments_cluster", ["cluster_id", "id"])


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_cluster")
        batch_op.drop_constraint("fk_comments_cluster_id_comment_clusters", type_="foreignkey")
        batch_op.drop_column("cluster_id")
    op.drop_index("ix_comment_cluster_bands_comment_id", table_name="comment_cluster_bands")
    op.drop_table("comment_cluster_bands")
    op.drop_index("ix_comment_clusters_consultation_size", table_name="comment_clusters")
    op.drop_table("comment_clusters")
