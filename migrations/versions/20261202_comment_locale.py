"""comment locale: the interface language a commenter wrote in, so their mail comes in it

Revision ID: 20261202_comment_locale
Revises: 8feedbac0001
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261202_comment_locale"
down_revision = "8feedbac0001"
branch_labels = None
depends_on = None


def upgrade():
    # Every comment so far was answered in Chinese: existing rows take the default.
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), server_default="zh_CN", nullable=False))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("locale")
