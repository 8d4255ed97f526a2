"""CSV, XLSX and JSON exports parsed back equal the database under the queue's filters."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from helpers import make_comment
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision

HEADER = ["回执编号", "提交时间", "渠道", "状态", "章节", "条款号", "条款标题", "态度", "身份类型", "单位", "姓名",
          "电话", "邮箱", "意见内容", "公开文本", "是否采纳", "答复", "审核原因",
          "同意公开姓名/单位", "轮次", "相似意见组编号", "相似意见组条数", "标签"]
BASE = "/staff/c/xihu-2023-demo/export"


@pytest.fixture
def comments(seeded, staff, app):
    with app.app_context():
        at = lambda h: datetime(2026, 11, 20, h, 5, tzinfo=timezone.utc)  # noqa: E731
        ids = {
            "a": make_comment(clause=12, body="建议增加停车位，方便居民。", name="张三", organisation="西湖区某社区",
                              phone="13812345678", email="zhangsan@example.com", created_at=at(1), publish_name=True),
            "b": make_comment(clause=12, body="赞成本条。", stance="support", identity_type="company",
                              organisation="杭州某公司", created_at=at(17)),  # 01:05 next day in Shanghai
            "c": make_comment(clause=12, body="已审核的意见", status="approved", created_at=at(2)),
            "d": make_comment(clause=3, body="别的条款，停车位", created_at=at(3)),
            "e": make_comment(body="对整个文件：停车位太少", status="rejected", rejection_reason="duplicate",
                              rejection_note="与前一条相同", published_body="对整个文件：***", created_at=at(4),
                              channel="letter"),
        }
        db.session.add(Decision(comment_id=ids["b"], outcome="partly_adopted", response="已部分采纳，将修改第12条。"))
        db.session.commit()
    return ids


def cluster_size(cluster_id: int) -> int:
    from westlake_feedback.clusters.models import CommentCluster
    return db.session.get(CommentCluster, cluster_id).size


def tag_names(comment_id: int) -> list[str]:
    from westlake_feedback.tags.models import CommentTag, Tag
    return list(db.session.scalars(select(Tag.name).join(CommentTag, CommentTag.tag_id == Tag.id)
                                   .where(CommentTag.comment_id == comment_id)))


def expected(app, where) -> list[dict]:
    """The rows as the database has them, newest first, built here independently of the export code."""
    labels = {"pending": "待审核", "approved": "已公开", "rejected": "未予公开", "support": "赞成", "amend": "修改建议",
              "individual": "个人", "company": "企业", "web": "网上提交", "letter": "信函",
              "partly_adopted": "部分采纳", "duplicate": "重复"}
    from zoneinfo import ZoneInfo
    rows = []
    with app.app_context():
        for c in db.session.scalars(select(Comment).where(*where).order_by(Comment.created_at.desc(), Comment.id.desc())):
            clause = c.clause
            rows.append({
                "回执编号": c.receipt_code,
                "提交时间": c.created_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M"),
                "渠道": labels[c.channel], "状态": labels[c.status],
                "章节": f"{clause.section.label} {clause.section.heading}".strip() if clause and clause.section else "",
                "条款号": str(clause.number) if clause else "", "条款标题": clause.title if clause else "",
                "态度": labels[c.stance], "身份类型": labels[c.identity_type], "单位": c.organisation or "",
                "姓名": c.name or "", "电话": c.phone or "", "邮箱": c.email or "", "意见内容": c.body,
                "公开文本": c.published_body or "",
                "是否采纳": labels[c.decision.outcome] if c.decision else "",
                "答复": c.decision.response if c.decision else "",
                "审核原因": f"{labels[c.rejection_reason]}：{c.rejection_note}" if c.rejection_reason else "",
                "同意公开姓名/单位": "是" if c.publish_name else "否",
                "轮次": str(c.round_number),
                "相似意见组编号": str(c.cluster_id) if c.cluster_id else "",
                "相似意见组条数": str(cluster_size(c.cluster_id)) if c.cluster_id else "",
                "标签": "；".join(sorted(tag_names(c.id))),
            })
    return rows


def clause_12_pending(app):
    from westlake_feedback.consultations.models import Clause
    with app.app_context():
        clause_id = db.session.scalar(select(Clause.id).join(Clause.consultation).where(
            Clause.number == 12, Clause.consultation.has(slug="xihu-2023-demo")))
    return [Comment.status == "pending", Comment.clause_id == clause_id]


def parse_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert reader.fieldnames == HEADER
    return list(reader)


def parse_xlsx(data: bytes) -> list[dict]:
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["概况", "意见"]
    ws = wb["意见"]
    assert ws.freeze_panes == "A2"
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    assert ws.auto_filter.ref == f"A1:W{len(values)}"
    return [{h: "" if v is None else str(v) for h, v in zip(HEADER, row)} for row in values[1:]]


def test_csv_equals_the_database_under_filters(comments, login_as, app):
    response = login_as("moderator").get(BASE + ".csv?status=pending&clause=12")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    disposition = unquote(response.headers["Content-Disposition"])
    assert disposition.startswith("attachment; filename*=UTF-8''xihu-2023-demo-comments-")
    assert disposition.endswith(".csv")
    rows = parse_csv(response.data)
    assert rows == expected(app, clause_12_pending(app))
    assert [r["意见内容"] for r in rows] == ["赞成本条。", "建议增加停车位，方便居民。"]
    assert rows[0]["提交时间"] == "2026-11-21 01:05" and rows[0]["是否采纳"] == "部分采纳"


def test_csv_chinese_search(comments, login_as, app):
    rows = parse_csv(login_as("admin").get(BASE + ".csv?q=停车位").data)
    assert {r["意见内容"] for r in rows} == {"建议增加停车位，方便居民。", "别的条款，停车位", "对整个文件：停车位太少"}
    assert rows == expected(app, [Comment.body.contains("停车位")])
    whole = [r for r in rows if r["条款号"] == ""][0]
    assert whole["审核原因"] == "重复：与前一条相同" and whole["公开文本"] == "对整个文件：***"
    assert whole["渠道"] == "信函"


def test_xlsx_equals_the_database(comments, login_as, app):
    response = login_as("moderator").get(BASE + ".xlsx?status=pending&clause=12")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert parse_xlsx(response.data) == expected(app, clause_12_pending(app))
    summary = load_workbook(io.BytesIO(response.data))["概况"]
    cells = [c for row in summary.iter_rows(values_only=True) for c in row if c is not None]
    assert "status=pending; clause=12" in cells and "待审核" in cells
    all_rows = parse_xlsx(login_as("admin").get(BASE + ".xlsx").data)
    with app.app_context():
        assert len(all_rows) == db.session.scalar(select(db.func.count(Comment.id)).where(
            Comment.consultation.has(slug="xihu-2023-demo")))


def test_json_equals_the_database(comments, login_as, app):
    response = login_as("admin").get(BASE + ".json?status=pending&clause=12")
    assert response.headers["Content-Type"].startswith("application/json")
    items = json.loads(response.data.decode("utf-8"))
    assert "赞成本条" in response.data.decode("utf-8")  # not \u-escaped
    rows = expected(app, clause_12_pending(app))
    assert [i["receipt_code"] for i in items] == [r["回执编号"] for r in rows]
    assert [i["clause_number"] for i in items] == [12, 12]
    assert items[1]["phone"] == "13812345678" and items[1]["email"] == "zhangsan@example.com"
    assert items[0]["decision"] == "部分采纳" and items[0]["submitted_at"] == "2026-11-21 01:05"
    assert json.loads(login_as("admin").get(BASE + ".json?q=不存在的词").data) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_each_export_is_audited_with_format_filters_and_count(comments, login_as, app, fmt):
    login_as("analyst").get(f"{BASE}.{fmt}?status=pending&clause=12").close()
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert entry.target_type == "consultations"
        assert json.loads(entry.changes) == {"format": fmt, "filters": {"status": "pending", "clause": "12"},
                                             "rows": 2, "contact_details": "masked"}


def test_queue_page_links_to_exports_with_its_filters(comments, login_as):
    html = login_as("analyst").get("/staff/c/xihu-2023-demo/comments?status=pending&clause=12").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "json"):
        assert f"/staff/c/xihu-2023-demo/export.{fmt}?status=pending&amp;clause=12" in html


def test_unknown_format_is_404(comments, login_as):
    assert login_as("admin").get(BASE + ".pdf").status_code == 404
