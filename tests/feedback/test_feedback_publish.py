from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from feedback_helpers import SECRETS, make_feedback_data
from helpers import STAFF_EMAILS, consultation, csrf_from, outbox_rows
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.mail.models import MessageKind

FEEDBACK = MessageKind.FEEDBACK_PUBLISHED.value
INTRO = "本次征求意见期间共收到社会各界意见,现将采纳情况公布如下。"


@pytest.fixture
def data(seeded, staff):
    return make_feedback_data(seeded)


def publish(client, slug="xihu-2023", intro=INTRO):
    page = client.get(f"/staff/consultations/{slug}/feedback")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/staff/consultations/{slug}/feedback", data={"csrf_token": token, "intro": intro})


def test_public_page_and_api_are_404_until_published(data, client):
    assert client.get("/c/xihu-2023/feedback").status_code == 404
    assert client.get("/api/v1/consultations/xihu-2023/feedback").status_code == 404
    assert "feedback-summary" not in client.get("/c/xihu-2023/").get_data(as_text=True)


def test_cannot_publish_while_open(seeded, staff, login_as, app):
    from helpers import make_comment

    with app.app_context():
        make_comment("xihu-2023-demo", 12, status="approved", email="open.window@example.com")
    admin = login_as("admin")
    page = admin.get("/staff/consultations/xihu-2023-demo/feedback").get_data(as_text=True)
    assert "截止后才能公布意见采纳情况" in page and 'id="feedback-publish-button"' in page and "disabled" in page
    response = publish(admin, "xihu-2023-demo")
    assert response.status_code == 400
    assert "征求意见尚未截止,截止后才能公布意见采纳情况。" in response.get_data(as_text=True)
    with app.app_context():
        demo = consultation("xihu-2023-demo")
        assert demo.feedback_published_at is None and demo.feedback_intro == ""
        assert outbox_rows(FEEDBACK) == []
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "feedback_publish")) == 0
    assert admin.get("/c/xihu-2023-demo/feedback").status_code == 404


def test_publish_after_close_shows_what_the_database_holds(data, login_as, app, client):
    admin = login_as("admin")
    response = publish(admin)
    assert response.status_code == 303
    html = client.get("/c/xihu-2023/feedback").get_data(as_text=True)
    with app.app_context():
        c = consultation()
        assert c.feedback_intro == INTRO and c.feedback_published_at is not None
        rows = list(db.session.scalars(select(Comment).where(Comment.consultation_id == c.id)))
        received = [r for r in rows if r.status != "spam"]
        outcomes = {}
        for r in received:
            key = r.decision.outcome if r.decision else "undecided"
            outcomes[key] = outcomes.get(key, 0) + 1
    assert len(received) == 6
    assert INTRO in html
    assert "共收到意见6条" in html
    for key, expected in {"adopted": 1, "partly_adopted": 1, "not_adopted": 1, "explained": 1, "undecided": 2}.items():
        assert outcomes.get(key, 0) == expected
        assert f'<tr id="total-{key}"><th scope="row">' in html
        row = html.split(f'<tr id="total-{key}">')[1].split("</tr>")[0]
        assert f"<td>{expected}</td>" in row
    # clause 12: 4 non-spam opinions (2 approved with decisions, 1 rejected, 1 approved undecided)
    clause12 = html.split('id="fc-12"')[1].split('class="feedback-clause"')[0]
    assert "收到意见4条" in clause12 and "采纳1条、不采纳1条、解释说明1条、尚未答复1条" in clause12
    assert "第十二条共收到意见若干,已统筹修改。" in clause12
    assert 'href="/c/xihu-2023/feedback/clauses/12"' in clause12 and "查看逐条意见及答复(2条)" in clause12
    assert "建议第十二条写明申报时间。" not in html  # the summary holds counts; the texts are on the clause pages
    clause3 = html.split('id="fc-3"')[1].split('class="feedback-clause"')[0]
    assert "收到意见1条" in clause3  # pending counted, spam not
    assert 'href="/c/xihu-2023/feedback/clauses/3"' in clause3 and "查看本条采纳情况" in clause3
    whole = html.split('id="fc-whole"')[1]
    assert "针对整个文件" in html and 'href="/c/xihu-2023/feedback/whole"' in whole and "部分采纳1条" in whole
    # only clauses that received opinions, in draft order, whole document first
    assert html.index('id="fc-whole"') < html.index('id="fc-3"') < html.index('id="fc-12"')
    assert 'id="fc-1"' not in html
    page12 = client.get("/c/xihu-2023/feedback/clauses/12").get_data(as_text=True)
    entries = page12.split('class="feedback-entries"')[1]
    assert "收到意见4条" in page12 and "第十二条共收到意见若干,已统筹修改。" in page12
    assert entries.index("建议第十二条写明申报时间。") < entries.index("已采纳,第十二条增加申报时间。") \
        < entries.index("建议取消奖补上限。") < entries.index("奖补上限由市级政策确定,未予采纳。")
    assert "不采纳" in entries and entries.count('class="feedback-entry"') == 2
    assert "建议增加咨询电话。" not in page12  # public but no decision yet
    row = page12.split('<tr id="total-not_adopted">')[1].split("</tr>")[0]
    assert "<td>1</td>" in row
    page3 = client.get("/c/xihu-2023/feedback/clauses/3").get_data(as_text=True)
    assert "收到意见1条" in page3 and "本条没有公开的意见及答复" in page3
    whole_page = client.get("/c/xihu-2023/feedback/whole").get_data(as_text=True)
    assert "建议整体上加强宣传。" in whole_page and "将结合实施情况加强宣传。" in whole_page
    assert client.get("/c/xihu-2023/feedback/clauses/99").status_code == 404
    for text in (html, page12, page3, whole_page):
        for secret in SECRETS + ["不公开的答复也不应出现。"]:
            assert secret not in text, secret
    notice = client.get("/c/xihu-2023/").get_data(as_text=True)
    assert 'id="feedback-summary"' in notice and "/c/xihu-2023/feedback" in notice
    assert "共收到意见6条,其中采纳1条、部分采纳1条" in notice


def test_no_personal_data_or_receipt_codes_anywhere_public(data, login_as, app, client):
    publish(login_as("admin"))
    with app.app_context():
        codes = list(db.session.scalars(select(Comment.receipt_code)))
    pages = [client.get(u).get_data(as_text=True) for u in
             ("/c/xihu-2023/feedback", "/c/xihu-2023/", "/api/v1/consultations/xihu-2023/feedback",
              "/c/xihu-2023/feedback/clauses/12", "/c/xihu-2023/feedback/clauses/3", "/c/xihu-2023/feedback/whole",
              "/api/v1/consultations/xihu-2023/feedback/entries")]
    for url in ("/api/v1/consultations/xihu-2023/feedback", "/api/v1/consultations/xihu-2023/feedback/entries"):
        pages.append(json.dumps(client.get(url).get_json(), ensure_ascii=False))
    for text in pages:
        for secret in SECRETS + codes:
            assert secret not in text, secret


def test_api_returns_the_same_content(data, login_as, client):
    publish(login_as("admin"))
    body = client.get("/api/v1/consultations/xihu-2023/feedback").get_json()
    assert body["intro"] == INTRO and body["received_count"] == 6
    assert body["outcome_counts"] == {"adopted": 1, "partly_adopted": 1, "not_adopted": 1, "explained": 1,
                                      "undecided": 2}
    assert body["whole_document"]["received_count"] == 1 and body["whole_document"]["entry_count"] == 1
    assert body["whole_document"]["outcome_counts"]["partly_adopted"] == 1
    clauses = {c["clause_number"]: c for s in body["sections"] for c in s["clauses"]}
    assert sorted(clauses) == [3, 12]
    assert clauses[12]["received_count"] == 4 and clauses[12]["response"] == "第十二条共收到意见若干,已统筹修改。"
    assert clauses[12]["entry_count"] == 2
    assert clauses[12]["outcome_counts"] == {"adopted": 1, "partly_adopted": 0, "not_adopted": 1, "explained": 1,
                                             "undecided": 1}
    assert clauses[3]["entry_count"] == 0 and clauses[3]["received_count"] == 1

    def entries(query=""):
        response = client.get(f"/api/v1/consultations/xihu-2023/feedback/entries{query}")
        assert response.status_code == 200, response.get_json()
        return [(e["clause_number"], e["text"], e["outcome"]) for e in response.get_json()["items"]]

    assert entries("?clause=12") == [(12, "建议第十二条写明申报时间。", "adopted"), (12, "建议取消奖补上限。", "not_adopted")]
    assert entries("?clause=0") == [(None, "建议整体上加强宣传。", "partly_adopted")]
    assert entries("?clause=3") == [] and entries("?clause=99") == []
    assert sorted(entries(), key=str) == sorted(entries("?clause=12") + entries("?clause=0"), key=str)


def test_one_message_per_address_and_no_more_on_republish(data, login_as, app):
    admin = login_as("admin")
    assert publish(admin).status_code == 303
    with app.app_context():
        messages = outbox_rows(FEEDBACK)
        recipients = sorted(m.recipients for m in messages)
        assert "/c/xihu-2023/feedback" in messages[0].text_body
    # two comments from one address (in two spellings) -> one message; the spam address -> none
    assert recipients == [["pending.unique@example.com"], ["zhang.unique@example.com"]]
    assert publish(admin, intro="更新后的说明。").status_code == 303
    with app.app_context():
        assert len(outbox_rows(FEEDBACK)) == 2
        assert consultation().feedback_intro == "更新后的说明。"


def test_audit_entries_and_unpublish(data, login_as, app, client):
    admin = login_as("admin")
    publish(admin)
    publish(admin, intro="第二版说明。")
    token = csrf_from(admin.get("/staff/consultations/xihu-2023/feedback").get_data(as_text=True))
    assert admin.post("/staff/consultations/xihu-2023/feedback/unpublish",
                      data={"csrf_token": token}).status_code == 303
    assert client.get("/c/xihu-2023/feedback").status_code == 404
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("feedback_%"))
                                          .order_by(AuditEntry.id)))
        assert [e.action for e in entries] == ["feedback_publish", "feedback_publish", "feedback_unpublish"]
        assert all(e.actor_email == STAFF_EMAILS["admin"] for e in entries)
        assert "第二版说明。" in entries[1].changes
        assert consultation().feedback_published_at is None
    # publishing again after a mistake does not mail anyone twice
    publish(admin)
    with app.app_context():
        assert len(outbox_rows(FEEDBACK)) == 2


def test_admin_preview_matches_public_page(data, login_as, client):
    admin = login_as("admin")
    page = admin.get("/staff/consultations/xihu-2023/feedback").get_data(as_text=True)
    assert "尚未公布" in page and 'id="preview-fc-12"' in page and 'href="/c/xihu-2023/feedback/clauses/12"' in page
    # Before publication the clause pages are a preview for admins only.
    preview = admin.get("/c/xihu-2023/feedback/clauses/12")
    assert preview.status_code == 200 and "已采纳,第十二条增加申报时间。" in preview.get_data(as_text=True)
    assert 'id="feedback-preview-note"' in preview.get_data(as_text=True)
    assert "被拒绝的独特文本" not in page + preview.get_data(as_text=True)
    assert client.get("/c/xihu-2023/feedback/clauses/12").status_code == 404
    assert login_as("moderator").get("/c/xihu-2023/feedback/clauses/12").status_code == 404
    assert "disabled" not in page.split('id="feedback-publish-button"')[1].split(">")[0]
    assert 'id="feedback-manage-link"' in admin.get("/staff/consultations/xihu-2023").get_data(as_text=True)


def test_too_long_intro_rerenders_with_message(data, login_as, app):
    response = publish(login_as("admin"), intro="长" * 20001)
    assert response.status_code == 400 and "情况说明不能超过20000个字" in response.get_data(as_text=True)
    with app.app_context():
        assert consultation().feedback_published_at is None


def test_notice_summary_is_one_aggregate_not_every_comment_loaded(data, login_as, app, client):
    from sqlalchemy import event

    assert publish(login_as("admin")).status_code == 303
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: statements.append(" ".join(statement.split()).lower())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        notice = client.get("/c/xihu-2023/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "共收到意见6条,其中采纳1条、部分采纳1条" in notice
    assert not any("comments.body" in s or "from decisions where" in s for s in statements), statements
