"""After a revised draft is published: exports carry the round of every comment (and its clause
number in that round); the report counts earlier-round comments on the clause they became."""
from __future__ import annotations

import csv
import io

import openpyxl

from sqlalchemy import select

from helpers import comment_on, consultation, csrf_from, make_comment
from round_helpers import import_round_cli
from westlake_feedback.extensions import db
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.loading import deleted_clause_key, load_report_input
from westlake_feedback.reports.models import Report
from westlake_feedback.reports.services import build, request_report
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
        # Clause 3 was deleted: its comment stays on old clause 3 of round 1, not on the whole draft.
        assert numbers == {"对原第12条": 11, "对新第11条的意见内容": 11, "对原第21条": 21,
                           "对原第3条": deleted_clause_key(1, 3)}
        old3 = next(comment for comment in report.comments if comment.body == "对原第3条")
        assert old3.clause_label.startswith("第1轮") and "已删除" in old3.clause_title
        assert {comment.body: comment.round_number for comment in report.comments} == {
            "对原第12条": 1, "对原第3条": 1, "对原第21条": 1, "对新第11条的意见内容": 2}
        stats = compute(report)
        assert [(t.label, t.count) for t in stats.per_round] == [("第1轮", 3), ("第2轮", 1)]
        deleted = [c for c in stats.clauses if c.number == deleted_clause_key(1, 3)]
        assert len(deleted) == 1 and deleted[0].count == 1 and "第1轮" in deleted[0].display
        assert stats.clauses[0].count == 0                  # nothing counted on the whole draft
        assert next(c for c in stats.clauses if c.number == 3).count == 0   # nor on the current clause 3
        db.session.rollback()


def test_a_report_restricted_to_one_round(seeded, staff, runner, tmp_path, login_as):
    _published_round_two(seeded, runner, tmp_path)
    client = login_as("moderator")
    page = client.get(f"/staff/c/{SLUG}/reports").get_data(as_text=True)
    assert '<select id="report-round" name="round">' in page
    bad = client.post(f"/staff/c/{SLUG}/reports", data={"csrf_token": csrf_from(page), "round": "9"})
    assert bad.status_code == 303
    assert "请选择有效的轮次" in client.get(f"/staff/c/{SLUG}/reports").get_data(as_text=True)
    queued = client.post(f"/staff/c/{SLUG}/reports", data={"csrf_token": csrf_from(page), "round": "1"})
    assert queued.status_code == 303
    with seeded.app_context():
        report = db.session.scalar(select(Report).order_by(Report.id.desc()))
        assert report.round_number == 1
        build(report)
        assert report.comment_count == 3
        book = openpyxl.load_workbook(io.BytesIO(report.xlsx))
        summary = [[cell.value for cell in row] for row in book["概况"].iter_rows()]
        assert ["基本信息", "轮次", "仅第1轮的意见", None] in summary
        adoption = [[cell.value for cell in row] for row in book["意见采纳情况"].iter_rows()]
        assert adoption[0][-1] == "轮次"
        assert "仅统计针对第1轮" in report.html.decode("utf-8")
        # Every round: the per-round counts appear.
        everything = build(request_report(consultation(SLUG), "manual"))
        book = openpyxl.load_workbook(io.BytesIO(everything.xlsx))
        summary = [[cell.value for cell in row] for row in book["概况"].iter_rows()]
        assert ["轮次", "第1轮", 3] == summary[-2][:3] and ["轮次", "第2轮", 1] == summary[-1][:3]
        assert "按轮次统计" in everything.html.decode("utf-8")



def _csv_bodies(response) -> dict[str, tuple[str, str]]:
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    return {r["意见内容"]: (r["轮次"], r["条款号"]) for r in rows}


def test_exports_can_be_restricted_to_one_round(seeded, staff, runner, tmp_path, login_as):
    _published_round_two(seeded, runner, tmp_path)
    client = login_as("analyst")
    page = client.get(f"/staff/c/{SLUG}/exports").get_data(as_text=True)
    for number in (1, 2):
        for fmt in ("xlsx", "csv", "json"):
            assert f'href="/staff/c/{SLUG}/export.{fmt}?round={number}"' in page
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=1")) == {
        "对原第12条": ("1", "12"), "对原第3条": ("1", "3"), "对原第21条": ("1", "21")}
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=2")) == {"对新第11条的意见内容": ("2", "11")}
    # A clause number with a round is that round's clause: old 12 in round 1, new 11 in round 2.
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=1&clause=12")) == {"对原第12条": ("1", "12")}
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=2&clause=11")) == {"对新第11条的意见内容": ("2", "11")}
    # Without a round the clause is the current round's; nonsense rounds are dropped, never a 500.
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?clause=11")) == {"对新第11条的意见内容": ("2", "11")}
    assert len(_csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=abc"))) == 4
    assert _csv_bodies(client.get(f"/staff/c/{SLUG}/export.csv?round=7")) == {}
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/c/{SLUG}/export.xlsx?round=1").data))
    assert any("round=1" in str(cell.value) for row in book.worksheets[0].iter_rows() for cell in row)


def test_the_queue_filters_an_earlier_rounds_clause(seeded, staff, runner, tmp_path, login_as):
    _published_round_two(seeded, runner, tmp_path)
    client = login_as("moderator")
    page = client.get(f"/staff/c/{SLUG}/comments").get_data(as_text=True)
    assert '<select id="f-round" name="round"' in page and "对原第12条" in page
    earlier = client.get(f"/staff/c/{SLUG}/comments?round=1&clause=12").get_data(as_text=True)
    assert "对原第12条" in earlier and "对原第3条" not in earlier and "对新第11条的意见内容" not in earlier
    assert '<option value="3" selected' not in earlier and '<option value="12" selected' in earlier
    assert "第1轮第12条" in earlier                     # the row says which round's clause it is
    current = client.get(f"/staff/c/{SLUG}/comments?clause=11").get_data(as_text=True)
    assert "对新第11条的意见内容" in current and "对原第12条" not in current
    # The deleted clause 3 exists only in round 1's list.
    assert client.get(f"/staff/c/{SLUG}/comments?round=1&clause=3").get_data(as_text=True).count("对原第3条") >= 1
