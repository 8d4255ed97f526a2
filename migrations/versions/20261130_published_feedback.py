"""published feedback: when and by whom the office's feedback (意见采纳情况) was published, and its intro

Revision ID: 8feedbac0001
Revises: cce321c579cf
Create Date: 2026-11-30 00:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8feedbac0001"
down_revision = "cce321c579cf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("feedback_published_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("feedback_intro", sa.Text(), server_default="", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_consultations_feedback_published_by_id_users"), "users",
            ["feedback_published_by_id"], ["id"], ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_consultations_feedback_published_by_id_users"), type_="foreignkey")
        batch_op.drop_column("feedback_intro")
        batch_op.drop_column("feedback_published_by_id")
        batch_op.drop_column("feedback_published_at")
