"""flat public pages: an index matching the clause page's listing (filter and newest-first order)

Revision ID: 20261202_flat_pages
Revises: 20261202_privacy
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261202_flat_pages"
down_revision = "20261202_privacy"
branch_labels = None
depends_on = None


def upgrade():
    # (clause_id, status, created_at, id): the clause page reads one page of approved comments
    # newest first by scanning it backwards; it also answers everything (clause_id, status) did.
    op.create_index("ix_comments_clause_status_created", "comments", ["clause_id", "status", "created_at", "id"])
    op.drop_index("ix_comments_clause_status", table_name="comments")


def downgrade():
    op.create_index("ix_comments_clause_status", "comments", ["clause_id", "status"])
    op.drop_index("ix_comments_clause_status_created", table_name="comments")
