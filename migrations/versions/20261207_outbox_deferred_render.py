"""outbox: a receipt's subject and bodies may be written by the worker (NULL until then)

A comment's receipt mail is enqueued with the comment, in its transaction, as before; its text is
now rendered by the worker just before it is sent (westlake_feedback/mail/commenters.py,
render_receipts), so the comment POST does not render two mail templates in another language.
NULL subject and text_body mean "not rendered yet"; every other message is written whole.

Revision ID: 20261207_outbox_deferred_render
Revises: 20261206_feedback_index
Create Date: 2026-12-07 00:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261207_outbox_deferred_render"
down_revision = "20261206_feedback_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("subject", existing_type=sa.String(500), nullable=True)
        batch.alter_column("text_body", existing_type=sa.Text(), nullable=True)


def downgrade():
    # Run the worker until no receipt is left unrendered first: any still left are marked failed
    # (with a note on the outbox page), since the old schema cannot hold them.
    op.execute("UPDATE outbox_messages SET status = 'failed', last_error = 'not rendered before the downgrade', "
               "subject = coalesce(subject, ''), text_body = '' WHERE text_body IS NULL")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("subject", existing_type=sa.String(500), nullable=False)
        batch.alter_column("text_body", existing_type=sa.Text(), nullable=False)
