"""clusters largest first: index comment_clusters (consultation_id, size, id)

The queue's sort by cluster size reads the consultation's clusters along this index (largest
first, ties by id) and each cluster's members along ix_comments_cluster (cluster_id, id). It
replaces (consultation_id, size), of which it is an extension: on PostgreSQL equal sizes came in
no particular order, so a page of clusters had to be sorted. comment_clusters only: the comments
table (and its SQLite search triggers) is not touched.

Revision ID: 20261204_cluster_sort_index
Revises: 20261204_rounds
Create Date: 2026-12-04 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261204_cluster_sort_index"
down_revision = "20261204_rounds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_comment_clusters_consultation_size_id", "comment_clusters", ["consultation_id", "size", "id"])
    op.drop_index("ix_comment_clusters_consultation_size", table_name="comment_clusters")


def downgrade():
    op.create_index("ix_comment_clusters_consultation_size", "comment_clusters", ["consultation_id", "size"])
    op.drop_index("ix_comment_clusters_consultation_size_id", table_name="comment_clusters")
