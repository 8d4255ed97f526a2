"""Exports carry cluster_id, cluster_size and the tags: parsed back from CSV, XLSX and JSON; a tag
name that looks like a formula stays text; tags cost one query per batch, not per comment."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from bench.counts import counting
from helpers import comment_on
from test_tags import BOOK, QUEUE, post, tag_ids

BASE = "/staff/c/xihu-2023-demo/export"
LETTER = "关于第十二条，我们强烈建议把申报期限从十五个工作日延长到三十个工作日，方便小微企业准备材料。"


@pytest.fixture
def tagged(seeded, staff, login_as, app):
    with app.app_context():
        copies = [comment_on("xihu-2023-demo", 12, body=LETTER, name=name).id for name in ("张三", "李四", "王五")]
        other = comment_on("xihu-2023-demo", 12, body="建议公布资金拨付的具体时间表和负责部门。").id
    admin = login_as("admin")
    for name in ("期限", "=HYPERLINK(1)"):
        post(admin, BOOK, name=name)
    tags = tag_ids(app)
    post(admin, f"{QUEUE}/bulk-tags", ids=copies, tag=tags["期限"], tag_action="add")
    post(admin, f"{QUEUE}/bulk-tags", ids=copies[:1] + [other], tag=tags["=HYPERLINK(1)"], tag_action="add")
    return {"copies": copies, "other": other}


def by_body(rows, key):
    return {row[key]: row for row in rows}


def test_json_has_cluster_keys_and_a_list_of_tags(tagged, login_as):
    items = json.loads(login_as("analyst").get(BASE + ".json?sort=oldest").data)
    first, second, third, other = items
    assert first["cluster_id"] == second["cluster_id"] == third["cluster_id"] == tagged["copies"][0]
    assert first["cluster_size"] == 3
    assert other["cluster_id"] == tagged["other"] and other["cluster_size"] == 1
    assert first["tags"] == ["=HYPERLINK(1)", "期限"] and second["tags"] == ["期限"]
    assert other["tags"] == ["=HYPERLINK(1)"]


def test_csv_and_xlsx_join_tags_in_one_safe_cell(tagged, login_as):
    client = login_as("moderator")
    rows = list(csv.DictReader(io.StringIO(client.get(BASE + ".csv?sort=oldest").data.decode("utf-8-sig"))))
    assert [r["相似意见组编号"] for r in rows] == [str(tagged["copies"][0])] * 3 + [str(tagged["other"])]
    assert [r["相似意见组条数"] for r in rows] == ["3", "3", "3", "1"]
    assert [r["标签"] for r in rows] == ["'=HYPERLINK(1)；期限", "期限", "期限", "'=HYPERLINK(1)"]
    assert rows[0]["标签"] == "'=HYPERLINK(1)；期限"  # starts like a formula: stored as text

    book = openpyxl.load_workbook(io.BytesIO(client.get(BASE + ".xlsx?sort=oldest").data))
    sheet = book.worksheets[1]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    tags, size, cluster = header.index("标签"), header.index("相似意见组条数"), header.index("相似意见组编号")
    assert [row[tags] for row in values[1:]] == ["'=HYPERLINK(1)；期限", "期限", "期限", "'=HYPERLINK(1)"]
    assert [row[size] for row in values[1:]] == [3, 3, 3, 1]
    assert [row[cluster] for row in values[1:]] == [tagged["copies"][0]] * 3 + [tagged["other"]]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "n")


def test_tags_cost_one_query_per_batch(tagged, login_as, app, monkeypatch):
    from westlake_feedback.exports import services
    client = login_as("moderator")
    with counting(app) as one_batch:
        client.get(BASE + ".json").data
    monkeypatch.setattr(services, "BATCH", 1)  # four batches of one comment
    with counting(app) as four_batches:
        client.get(BASE + ".json").data
    tag_queries = lambda statements: [s for s in statements if "comment_tags" in s]  # noqa: E731
    assert len(tag_queries(one_batch)) == 1
    assert len(tag_queries(four_batches)) == 4
