"""content version: one counter bumped with every change that alters a public page

Revision ID: 20261203_cache_content_version
Revises: 20261203_search_queue_index
Create Date: 2026-12-03 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261203_cache_content_version"
down_revision = "20261203_search_queue_index"
branch_labels = None
depends_on = None


def upgrade():
    # Read by every cached public page (westlake_feedback/pagecache/); bumped in the same
    # transaction as the change by westlake_feedback/pagecache/version.py, whose first bump
    # inserts the row at a random version (no row yet: pages are rendered, not cached).
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_versions")),
    )


def downgrade():
    op.drop_table("content_versions")
