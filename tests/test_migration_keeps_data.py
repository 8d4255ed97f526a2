"""Upgrading (and downgrading) an existing SQLite database keeps its rows: batch mode rebuilds
tables, which must not cascade deletes through foreign keys."""
from __future__ import annotations

import sqlite3

from flask_migrate import downgrade, upgrade

from westlake_feedback import create_app
from westlake_feedback.extensions import db

BEFORE_MAIL = "b879bc4645d9"


def counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("consultations", "sections", "clauses", "comments")
        }


def test_mail_migration_keeps_existing_rows_on_sqlite(tmp_path):
    path = tmp_path / "old.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision=BEFORE_MAIL)
        db.engine.dispose()
    with sqlite3.connect(path) as connection:  # data written by the code of that revision
        connection.execute(
            "INSERT INTO consultations (slug, title, notice_text, opens_at, closes_at, preamble, closing_text,"
            " is_demo, show_approved_comments, created_at, updated_at) VALUES ('old', 'T', '',"
            " '2023-03-14 16:00:00', '2023-03-22 16:00:00', '', '', 0, 1, '2023-03-01', '2023-03-01')"
        )
        connection.execute(
            "INSERT INTO sections (consultation_id, number, label, heading, intro, position) VALUES (1, 1, '一、', 'S', '', 1)"
        )
        connection.execute(
            "INSERT INTO clauses (consultation_id, section_id, number, label, title, body, position)"
            " VALUES (1, 1, 1, '1.', 'C', 'B', 1)"
        )
        connection.execute(
            "INSERT INTO comments (consultation_id, clause_id, stance, body, identity_type, channel, receipt_code,"
            " status, created_at) VALUES (1, 1, 'amend', '意见', 'individual', 'web', 'XH-2222-2222', 'pending',"
            " '2023-03-15 01:00:00')"
        )
        for code, clause in (("XH-3333-3333", "1"), ("XH-4444-4444", "NULL")):  # approved: back-filled counts
            connection.execute(
                "INSERT INTO comments (consultation_id, clause_id, stance, body, identity_type, channel,"
                f" receipt_code, status, created_at) VALUES (1, {clause}, 'amend', '意见', 'individual', 'web',"
                f" '{code}', 'approved', '2023-03-15 02:00:00')"
            )
    before = counts(path)
    assert before == {"consultations": 1, "sections": 1, "clauses": 1, "comments": 3}
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert counts(path) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT digest_time, digest_send_empty FROM consultations").fetchone() == ("18:00", 1)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("SELECT approved_count FROM clauses").fetchone() == (1,)
        assert connection.execute("SELECT approved_count FROM consultations").fetchone() == (2,)
        # The published feedback's tallies, back-filled from the comments (none has a decision).
        assert connection.execute(
            "SELECT consultation_id, clause_id, round_number, status, outcome, count FROM feedback_tallies"
            " ORDER BY clause_id IS NULL, status").fetchall() == [
            (1, 1, 1, "approved", "undecided", 1), (1, 1, 1, "pending", "undecided", 1),
            (1, None, 1, "approved", "undecided", 1)]
    with app.app_context():
        downgrade(revision=BEFORE_MAIL)
        db.engine.dispose()
    assert counts(path) == before
