"""published feedback by clause: index comments (consultation_id, clause_id, status, created_at, id)

The feedback summary counts a consultation's opinions per clause, outcome and status in one
GROUP BY: along this index it reads no comment row (the decision is found by comments.id). The
whole document's entries (clause_id NULL) and the API's whole-draft comments are read along it
in order, by keyset. A plain CREATE INDEX: the comments table and its SQLite search triggers are
not rebuilt.

Revision ID: 20261206_feedback_index
Revises: 20261205_report_round
Create Date: 2026-12-06 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261206_feedback_index"
down_revision = "20261205_report_round"
branch_labels = None
depends_on = None

COLUMNS = ["consultation_id", "clause_id", "status", "created_at", "id"]


def upgrade():
    op.create_index("ix_comments_consultation_clause_status_created", "comments", COLUMNS)


def downgrade():
    op.drop_index("ix_comments_consultation_clause_status_created", table_name="comments")
