"""A report can cover one round of a consultation: reports.round_number (NULL: every round).

Revision ID: 20261205_report_round
Revises: 20261204_tags
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261205_report_round"
down_revision = "20261204_tags"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch): on SQLite it does not rebuild the table.
    op.add_column("reports", sa.Column("round_number", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("round_number")
