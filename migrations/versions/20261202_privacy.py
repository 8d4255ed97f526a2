"""privacy: rotating IP-hash keys (one per local month) and the participant pseudonym kept by the purge

Revision ID: 20261202_privacy
Revises: 20261202_staff_sessions
Create Date: 2026-12-02 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261202_privacy"
down_revision = "20261202_staff_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ip_hash_keys",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_ip_hash_keys")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participant_ref", sa.String(length=24), nullable=True))


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("participant_ref")
    op.drop_table("ip_hash_keys")
