"""publish_name: the commenter agreed to show their name or organisation beside the published comment

Revision ID: 20261202_publish_name
Revises: 20261202_comment_locale
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261202_publish_name"
down_revision = "20261202_comment_locale"
branch_labels = None
depends_on = None


def upgrade():
    # Existing comments were made without the question: they stay anonymous.
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_name", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("publish_name")
