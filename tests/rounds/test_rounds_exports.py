"""After a revised draft is published: exports carry the round of every comment (and its clause
number in that round); the report counts earlier-round comments on the clause they became."""
from __future__ import annotations

import csv
import io

from helpers import comment_on, consultation, make_comment
from round_helpers import import_round_cli
from westlake_feedback.extensions import db
from westlake_feedback.reports.loading import load_report_input
from westlake_feedback.rounds.services import current_successors, draft_round, publish_round

SLUG = "xihu-2023-demo"


def _published_round_two(app, runner, tmp_path) -> dict:
    with app.app_context():
        ids = {"old12": make_comment(SLUG, clause=12, body="对原第12条"),
               "old3": make_comment(SLUG, clause=3, body="对原第3条"),
               "old21": make_comment(SLUG, clause=21, body="对原第21条")}
    assert import_round_cli(runner, tmp_path).exit_code == 0
    with app.app_context():
        publish_round(draft_round(consultation(SLUG)))
        ids["new11"] = comment_on(SLUG, 11, body="对新第11条的意见内容").id
    return ids


def test_export_has_the_round_and_the_clause_of_that_round(seeded, staff, runner, tmp_path, login_as):
    _published_round_two(seeded, runner, tmp_path)
    response = login_as("admin").get(f"/staff/c/{SLUG}/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_body = {r["意见内容"]: (r["轮次"], r["条款号"]) for r in rows}
    assert by_body == {"对原第12条": ("1", "12"), "对原第3条": ("1", "3"), "对原第21条": ("1", "21"),
                       "对新第11条的意见内容": ("2", "11")}


def test_report_counts_earlier_comments_on_the_clause_they_became(seeded, staff, runner, tmp_path):
    _published_round_two(seeded, runner, tmp_path)
    with seeded.app_context():
        c = consultation(SLUG)
        successors = current_successors(c)
        assert len(successors) == 52 and sum(1 for v in successors.values() if v is None) == 1
        report = load_report_input(c, 1)
        numbers = {comment.body: comment.clause_number for comment in report.comments}
        assert numbers == {"对原第12条": 11, "对新第11条的意见内容": 11, "对原第21条": 21, "对原第3条": None}
        db.session.rollback()
