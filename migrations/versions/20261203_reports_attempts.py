"""report builds as worker jobs: how many times a version was claimed (a crashed build is retried
a few times, then marked failed)

Revision ID: 20261203_reports_attempts
Revises: 20261203_cache_content_version
Create Date: 2026-12-03 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261203_reports_attempts"
down_revision = "20261203_cache_content_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("attempts")
