"""near-duplicate clusters: comment_clusters, their LSH band keys, comments.cluster_id

Comments stored before this migration have no cluster until `flask clusters rebuild SLUG`.

Revision ID: 20261203_clusters_bands
Revises: 20261203_reports_attempts
Create Date: 2026-12-03 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261203_clusters_bands"
down_revision = "20261203_reports_attempts"
branch_labels = None
depends_on = None


def _restore_search_triggers():
    """The triggers that keep the SQLite FTS table in step, as 20261203_search_queue_index made them."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "search_index_migration", Path(__file__).with_name("20261203_search_queue_index.py")
    )
    search = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search)
    for statement in search.SQLITE:
        if statement.startswith("CREATE TRIGGER"):
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)


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
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode rebuilds the comments table, which drops the search index's triggers
        # (20261203_search_queue_index): they are put back right after.
        with op.batch_alter_table("comments", schema=None) as batch_op:
            batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                "fk_comments_cluster_id_comment_clusters", "comment_clusters", ["cluster_id"], ["id"],
                ondelete="SET NULL",
            )
        _restore_search_triggers()
    else:
        op.add_column("comments", sa.Column("cluster_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_comments_cluster_id_comment_clusters", "comments", "comment_clusters", ["cluster_id"], ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_comments_cluster", "comments", ["cluster_id", "id"])


def downgrade():
    op.drop_index("ix_comments_cluster", table_name="comments")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("comments", schema=None) as batch_op:
            batch_op.drop_constraint("fk_comments_cluster_id_comment_clusters", type_="foreignkey")
            batch_op.drop_column("cluster_id")
        _restore_search_triggers()
    else:
        op.drop_constraint("fk_comments_cluster_id_comment_clusters", "comments", type_="foreignkey")
        op.drop_column("comments", "cluster_id")
    op.drop_index("ix_comment_cluster_bands_comment_id", table_name="comment_cluster_bands")
    op.drop_table("comment_cluster_bands")
    op.drop_index("ix_comment_clusters_consultation_size", table_name="comment_clusters")
    op.drop_table("comment_clusters")
