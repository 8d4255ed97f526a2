"""redraft rounds: consultation_rounds, clause_alignments; sections and clauses belong to a round,
comments keep the round they were made on

Every existing consultation gets round 1 (published, its current window and text), and every
section and clause is put into it. Only the current round's sections and clauses keep
consultation_id (see ConsultationRound), so it becomes nullable. Comments get round_number 1.

Downgrading deletes the sections and clauses that are not in a current round (earlier and
unpublished rounds).

Revision ID: 20261204_rounds
Revises: 20261203_clusters_bands
Create Date: 2026-12-04 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20261204_rounds"
down_revision = "20261203_clusters_bands"
branch_labels = None
depends_on = None


def _restore_search_triggers():
    """The triggers that keep the SQLite FTS table in step, as 20261203_search_queue_index made them."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "search_index_migration", Path(__file__).with_name("20261203_search_queue_index.py")
    )
    search = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search)
    for statement in search.SQLITE:
        if statement.startswith("CREATE TRIGGER"):
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)


def _add_round(table: str) -> None:
    """round_id (FK to consultation_rounds) on sections or clauses, consultation_id made nullable."""
    fk = f"fk_{table}_round_id_consultation_rounds"
    if op.get_bind().dialect.name == "sqlite":
        # Rebuilds the table (foreign keys are off during migrations, see env.py: nothing cascades).
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(fk, "consultation_rounds", ["round_id"], ["id"], ondelete="CASCADE")
            batch_op.alter_column("consultation_id", existing_type=sa.Integer(), nullable=True)
    else:
        op.add_column(table, sa.Column("round_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "consultation_rounds", ["round_id"], ["id"], ondelete="CASCADE")
        op.alter_column(table, "consultation_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(f"ix_{table}_round_id", table, ["round_id"])
    op.execute(
        f"UPDATE {table} SET round_id = (SELECT r.id FROM consultation_rounds r"
        f" WHERE r.consultation_id = {table}.consultation_id AND r.number = 1)"
    )


def upgrade():
    op.create_table(
        "consultation_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("preamble", sa.Text(), nullable=False),
        sa.Column("closing_text", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_name", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"],
                                name=op.f("fk_consultation_rounds_consultation_id_consultations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_rounds")),
        sa.UniqueConstraint("consultation_id", "number", name=op.f("uq_consultation_rounds_consultation_id_number")),
    )
    op.create_index(op.f("ix_consultation_rounds_consultation_id"), "consultation_rounds", ["consultation_id"])
    op.add_column("consultations", sa.Column("current_round", sa.Integer(), server_default="1", nullable=False))
    op.execute(
        "INSERT INTO consultation_rounds (consultation_id, number, title, preamble, closing_text, opens_at,"
        " closes_at, status, published_at, source_name, created_at)"
        " SELECT id, 1, title, coalesce(preamble, ''), coalesce(closing_text, ''), opens_at, closes_at,"
        " 'published', created_at, source_name, created_at FROM consultations"
    )
    _add_round("sections")
    _add_round("clauses")
    # A constant default: both databases add the column in place (no rebuild of comments on SQLite).
    op.add_column("comments", sa.Column("round_number", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "clause_alignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("match_no", sa.Integer(), nullable=False),
        sa.Column("old_clause_id", sa.Integer(), nullable=True),
        sa.Column("new_clause_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["new_clause_id"], ["clauses.id"],
                                name=op.f("fk_clause_alignments_new_clause_id_clauses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["old_clause_id"], ["clauses.id"],
                                name=op.f("fk_clause_alignments_old_clause_id_clauses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["consultation_rounds.id"],
                                name=op.f("fk_clause_alignments_round_id_consultation_rounds"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_alignments")),
    )
    for column in ("round_id", "old_clause_id", "new_clause_id"):
        op.create_index(op.f(f"ix_clause_alignments_{column}"), "clause_alignments", [column])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in ("round_id", "old_clause_id", "new_clause_id"):
        op.drop_index(op.f(f"ix_clause_alignments_{column}"), table_name="clause_alignments")
    op.drop_table("clause_alignments")
    op.drop_column("comments", "round_number")
    if sqlite:
        _restore_search_triggers()
    for table in ("clauses", "sections"):
        op.execute(f"DELETE FROM {table} WHERE consultation_id IS NULL")
        op.drop_index(f"ix_{table}_round_id", table_name=table)
        if sqlite:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(f"fk_{table}_round_id_consultation_rounds", type_="foreignkey")
                batch_op.drop_column("round_id")
                batch_op.alter_column("consultation_id", existing_type=sa.Integer(), nullable=False)
        else:
            op.drop_constraint(f"fk_{table}_round_id_consultation_rounds", table, type_="foreignkey")
            op.drop_column(table, "round_id")
            op.alter_column(table, "consultation_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("consultations", "current_round")
    op.drop_index(op.f("ix_consultation_rounds_consultation_id"), table_name="consultation_rounds")
    op.drop_table("consultation_rounds")
