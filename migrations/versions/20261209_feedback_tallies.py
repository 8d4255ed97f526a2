"""stored tallies of the published feedback: comments per consultation, round, clause, status, outcome

The feedback summary read them with a GROUP BY over every comment and its decision; it now reads
these rows, kept by westlake_feedback/feedback/tallies.py in the transaction of every change.
Back-filled here with that GROUP BY (`flask counts recount` does the same on a live database).

Revision ID: 20261209_feedback_tallies
Revises: 20261208_search_grams_table
Create Date: 2026-12-07 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261209_feedback_tallies"
down_revision = "20261208_search_grams_table"
branch_labels = None
depends_on = None

ON_CLAUSE = sa.text("clause_id IS NOT NULL")
WHOLE = sa.text("clause_id IS NULL")


def upgrade():
    op.create_table(
        "feedback_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["clause_id"], ["clauses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_tallies_consultation_id", "feedback_tallies", ["consultation_id"])
    op.create_index("ix_feedback_tallies_clause_id", "feedback_tallies", ["clause_id"])
    op.create_index("ux_feedback_tallies_clause", "feedback_tallies",
                    ["consultation_id", "clause_id", "round_number", "status", "outcome"], unique=True,
                    sqlite_where=ON_CLAUSE, postgresql_where=ON_CLAUSE)
    op.create_index("ux_feedback_tallies_whole", "feedback_tallies",
                    ["consultation_id", "round_number", "status", "outcome"], unique=True,
                    sqlite_where=WHOLE, postgresql_where=WHOLE)
    op.execute(
        "INSERT INTO feedback_tallies (consultation_id, clause_id, round_number, status, outcome, count)"
        " SELECT c.consultation_id, c.clause_id, c.round_number, c.status, COALESCE(d.outcome, 'undecided'),"
        " count(*) FROM comments c LEFT OUTER JOIN decisions d ON d.comment_id = c.id"
        " GROUP BY c.consultation_id, c.clause_id, c.round_number, c.status, COALESCE(d.outcome, 'undecided')"
    )


def downgrade():
    op.drop_index("ux_feedback_tallies_whole", table_name="feedback_tallies")
    op.drop_index("ux_feedback_tallies_clause", table_name="feedback_tallies")
    op.drop_index("ix_feedback_tallies_clause_id", table_name="feedback_tallies")
    op.drop_index("ix_feedback_tallies_consultation_id", table_name="feedback_tallies")
    op.drop_table("feedback_tallies")
