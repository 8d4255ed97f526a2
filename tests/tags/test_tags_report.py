"""The report counts distinct opinions (clusters) as well as comments, lists the largest clusters
with one representative text, shows both numbers per clause, and counts per tag."""
from __future__ import annotations

import io

import docx
import pytest

from helpers import comment_on, consultation
from test_tags import BOOK, QUEUE, post, tag_ids
from test_tags_exports import LETTER

SENTENCE = "共收到意见5条，其中3条内容相同或高度相似，归为1组；按不同意见计，共3条。"


@pytest.fixture
def report(seeded, staff, login_as, app):
    with app.app_context():
        copies = [comment_on("xihu-2023-demo", 12, body=LETTER + "!" * n, name=f"甲{n}").id for n in range(3)]
        spam = comment_on("xihu-2023-demo", 12, body=LETTER, name="乙").id
        others = [comment_on("xihu-2023-demo", 12, body="建议公布资金拨付的具体时间表和负责部门。").id,
                  comment_on("xihu-2023-demo", None, body="整个文件的结构清晰，建议尽快出台实施。").id]
    admin = login_as("admin")
    post(admin, f"/staff/comments/{spam}/spam")
    for name in ("期限", "资金", "未用"):
        post(admin, BOOK, name=name, description=f"{name}相关")
    tags = tag_ids(app)
    post(admin, f"{QUEUE}/bulk-tags", ids=copies + [spam], tag=tags["期限"], tag_action="add")
    post(admin, f"{QUEUE}/bulk-tags", ids=[others[0], copies[0]], tag=tags["资金"], tag_action="add")
    from westlake_feedback.reports.build import build_all
    from westlake_feedback.reports.data import compute
    from westlake_feedback.reports.loading import load_report_input
    with app.test_request_context():
        report_input = load_report_input(consultation("xihu-2023-demo"), 1)
        return compute(report_input), build_all(report_input)


def test_distinct_opinions_largest_clusters_and_per_clause(report):
    stats, _files = report
    groups = stats.groups
    assert (groups.comments, groups.repeated, groups.groups, groups.opinions) == (5, 3, 1, 3)  # spam left out
    assert groups.sentence() == SENTENCE
    (top,) = groups.top
    assert top.size == 3 and top.text.startswith(LETTER[:40])
    clause_12 = next(c for c in stats.clauses if c.number == 12)
    assert clause_12.count == 4 and groups.per_clause[12] == 2
    assert groups.per_clause[None] == 1


def test_counts_per_tag(report):
    stats, _files = report
    assert [(t.name, t.description, t.comments, t.opinions) for t in stats.groups.tags] == [
        ("期限", "期限相关", 3, 1), ("未用", "未用相关", 0, 0), ("资金", "资金相关", 2, 2)]


def test_the_three_formats_show_them(report):
    _stats, files = report
    html = files["html"].decode()
    assert SENTENCE in html and "不同意见数" in html and "条数最多的相似意见组" in html and "期限相关" in html
    document = docx.Document(io.BytesIO(files["docx"]))
    assert any(SENTENCE in p.text for p in document.paragraphs)
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert ["排名", "条数", "条款", "代表性意见"] in headers and ["标签", "说明", "意见数", "不同意见数"] in headers
    tags = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:2] == ["标签", "说明"])
    assert [[c.text for c in r.cells] for r in tags.rows[1:]] == [
        ["期限", "期限相关", "3", "1"], ["未用", "未用相关", "0", "0"], ["资金", "资金相关", "2", "2"]]
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert [list(r) for r in book["标签"].iter_rows(min_row=2, values_only=True)] == [
        ["期限", "期限相关", 3, 1], ["未用", "未用相关", 0, 0], ["资金", "资金相关", 2, 2]]
    assert [r[1] for r in book["相似意见组"].iter_rows(min_row=2, values_only=True)] == [3]
