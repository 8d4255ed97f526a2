"""flat public pages: an index matching the clause page's listing, stored counts of approved comments

Revision ID: 20261202_flat_pages
Revises: 20261202_privacy
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


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
    # Approved comments per clause and per consultation, kept by westlake_feedback/comments/counts.py.
    for table in ("clauses", "consultations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("approved_count", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE clauses SET approved_count = (SELECT count(*) FROM comments"
               " WHERE comments.clause_id = clauses.id AND comments.status = 'approved')")
    op.execute("UPDATE consultations SET approved_count = (SELECT count(*) FROM comments"
               " WHERE comments.consultation_id = consultations.id AND comments.status = 'approved')")


def downgrade():
    for table in ("consultations", "clauses"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("approved_count")
    op.create_index("ix_comments_clause_status", "comments", ["clause_id", "status"])
    op.drop_index("ix_comments_clause_status_created", table_name="comments")
