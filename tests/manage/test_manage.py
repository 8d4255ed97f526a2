"""Consultation management: paste or upload a draft, check the parsed structure, correct the
metadata, save as a draft, publish, change the window, close early, archive."""
from __future__ import annotations

import html as htmllib
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpers import STAFF_EMAILS, csrf_from, form_tokens, valid_comment
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.consultations.services import SEED_PATH
from westlake_feedback.extensions import db
from westlake_feedback.timeutil import now_utc, to_local

SEED_TEXT = SEED_PATH.read_text(encoding="utf-8")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page, re.S) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page, re.S)
    assert match, f"no hidden {name}"
    return htmllib.unescape(match.group(1))


def textarea_value(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return htmllib.unescape(match.group(1))


def preview(client, text: str):
    token = csrf_from(text_of(client.get("/staff/consultations/new")))
    return client.post("/staff/consultations/new", data={"csrf_token": token, "text": text})


def metadata_from(page: str, **overrides) -> dict[str, str]:
    fields = ("text", "source_name", "title", "slug", "opens_at", "closes_at", "issuer", "contact_person",
              "phone", "email", "postal_address", "postcode", "csrf_token")
    data = {name: hidden_value(page, name) for name in fields}
    data.update(overrides)
    return data


def consultation(app, slug: str) -> Consultation:
    with app.app_context():
        found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        if found is not None:
            found.sections, found.clauses  # load before leaving the session
            db.session.expunge(found)
        return found


def changes(app, slug_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "consultation_change", AuditEntry.target_id == str(slug_id))
            .order_by(AuditEntry.id)
        ).all()
        assert all(e.actor_email == STAFF_EMAILS["admin"] and e.target_type == "consultations" for e in entries)
        return [(e.summary, json.loads(e.changes)) for e in entries]


def post_action(client, slug: str, action: str, **data):
    token = csrf_from(text_of(client.get(f"/staff/consultations/{slug}")))
    return client.post(f"/staff/consultations/{slug}/{action}", data={"csrf_token": token, **data})


def test_paste_preview_save_publish_close_and_archive(seeded, login_as):
    admin = login_as("admin")
    anonymous = seeded.test_client()

    page = text_of(preview(admin, SEED_TEXT))
    assert "识别出7个部分、52条条款" in page
    assert page.count('class="parsed-section"') == 7
    assert len(re.findall(r'<li value="\d+"><span class="clause-no">', page)) == 52
    assert "扩大有效投资政策" in page and "牵头实施:区发改经信局" in page
    assert "强化项目建设资金保障" in page  # a clause title
    assert hidden_value(page, "text") == SEED_TEXT.replace("\r\n", "\n")  # the pasted text survives
    assert hidden_value(page, "contact_person") == "许可汗" and hidden_value(page, "postcode") == "310007"
    assert hidden_value(page, "opens_at") == "2023-03-15T00:00" and hidden_value(page, "closes_at") == "2023-03-23T00:00"

    opens, closes = now_utc() - timedelta(hours=1), now_utc() + timedelta(days=7)
    saved = admin.post("/staff/consultations/create", data=metadata_from(
        page, title="西湖区经济高质量发展若干政策(测试)", slug="xihu-test",
        opens_at=local_input(opens), closes_at=local_input(closes)))
    assert saved.status_code == 303, text_of(saved)[:3000]
    assert saved.headers["Location"] == "/staff/consultations/xihu-test"
    draft = consultation(seeded, "xihu-test")
    assert draft.status == "draft" and draft.title == "西湖区经济高质量发展若干政策(测试)"
    assert len(draft.sections) == 7 and len(draft.clauses) == 52
    assert draft.contact_person == "许可汗"
    assert abs(draft.closes_at - closes) < timedelta(minutes=1)

    # A draft is not public: 404 everywhere, not on the home page; the admin previews it.
    for url in ("/c/xihu-test/", "/c/xihu-test/clauses/1", "/c/xihu-test/full"):
        assert anonymous.get(url).status_code == 404, url
    assert anonymous.post("/c/xihu-test/comment", data=valid_comment()).status_code == 404
    assert "xihu-test" not in text_of(anonymous.get("/"))
    draft_preview = admin.get("/staff/consultations/xihu-test/preview")
    assert draft_preview.status_code == 200
    assert "西湖区经济高质量发展若干政策(测试)" in text_of(draft_preview) and "草稿发布前公众无法访问" in text_of(draft_preview)
    assert "强化项目建设资金保障" in text_of(draft_preview)

    assert post_action(admin, "xihu-test", "publish").status_code == 303
    assert consultation(seeded, "xihu-test").status == "published"
    assert anonymous.get("/c/xihu-test/").status_code == 200
    assert "/c/xihu-test/" in text_of(anonymous.get("/"))
    clause_page = text_of(anonymous.get("/c/xihu-test/clauses/1"))
    assert 'name="body"' in clause_page

    assert post_action(admin, "xihu-test", "close").status_code == 303
    closed = consultation(seeded, "xihu-test")
    assert abs(closed.closes_at - now_utc()) < timedelta(minutes=1)
    tokens = form_tokens(clause_page)
    late = anonymous.post("/c/xihu-test/clauses/1/comment", data={**tokens, **valid_comment()})
    assert late.status_code == 403

    assert post_action(admin, "xihu-test", "archive").status_code == 303
    assert consultation(seeded, "xihu-test").status == "archived"
    assert "/c/xihu-test/" not in text_of(anonymous.get("/"))
    for url in ("/c/xihu-test/", "/c/xihu-test/clauses/1", "/c/xihu-test/full"):
        archived = anonymous.get(url)
        assert archived.status_code == 200 and "已归档" in text_of(archived), url
        assert 'name="body"' not in text_of(archived)

    logged = changes(seeded, closed.id)
    assert [entry[1]["status"] for entry in logged if "status" in entry[1]] == [
        [None, "draft"], ["draft", "published"], ["published", "archived"]]
    created = logged[0][1]
    assert created["slug"] == [None, "xihu-test"] and created["clauses"] == [None, 52]
    close_change = logged[2][1]["closes_at"]
    assert close_change[0] == to_local(closes).isoformat(timespec="minutes")[:16] + close_change[0][16:]
    assert close_change[1][:13] == to_local(now_utc()).isoformat()[:13]
    listing = text_of(admin.get("/staff/consultations/"))
    assert "已归档" in listing and "西湖区经济高质量发展若干政策(测试)" in listing


def test_a_text_that_cannot_be_parsed_names_the_line_and_is_kept(seeded, login_as):
    text = "关于某事项的规定(征求意见稿)\n1. 第一条的内容。\n2. 第二条的内容。\n4. 第四条的内容。\n"
    response = preview(login_as("admin"), text)
    page = text_of(response)
    assert response.status_code == 400
    assert "第4行" in page and "缺少第3条" in page
    assert textarea_value(page, "text") == text


def test_empty_or_both_sources_are_refused(seeded, login_as):
    admin = login_as("admin")
    assert "请粘贴征求意见通知和草案全文" in text_of(preview(admin, "  \n "))
    token = csrf_from(text_of(admin.get("/staff/consultations/new")))
    both = admin.post("/staff/consultations/new", content_type="multipart/form-data", data={
        "csrf_token": token, "text": SEED_TEXT, "draft_file": (io.BytesIO(SEED_TEXT.encode()), "a.txt")})
    assert both.status_code == 400 and "二者选其一" in text_of(both)


def test_upload_a_gb18030_file(seeded, login_as):
    admin = login_as("admin")
    token = csrf_from(text_of(admin.get("/staff/consultations/new")))
    response = admin.post("/staff/consultations/new", content_type="multipart/form-data", data={
        "csrf_token": token, "text": "",
        "draft_file": (io.BytesIO(SEED_TEXT.encode("gb18030")), "parking-2024.txt", "text/plain")})
    page = text_of(response)
    assert response.status_code == 200, page[:2000]
    assert "识别出7个部分、52条条款" in page
    assert hidden_value(page, "text") == SEED_TEXT
    assert hidden_value(page, "slug") == "parking-2024" and hidden_value(page, "source_name") == "parking-2024.txt"
    saved = admin.post("/staff/consultations/create", data=metadata_from(page))
    assert saved.status_code == 303
    assert consultation(seeded, "parking-2024").source_name == "parking-2024.txt"


def test_a_pdf_or_word_file_is_refused_with_advice(seeded, login_as):
    admin = login_as("admin")
    token = csrf_from(text_of(admin.get("/staff/consultations/new")))
    response = admin.post("/staff/consultations/new", content_type="multipart/form-data", data={
        "csrf_token": token, "draft_file": (io.BytesIO(b"PK\x03\x04" + b"\x00" * 100), "draft.docx")})
    assert response.status_code == 400 and "另存为" in text_of(response)


def test_back_to_edit_returns_the_text(seeded, login_as):
    admin = login_as("admin")
    page = text_of(preview(admin, SEED_TEXT))
    back = admin.post("/staff/consultations/new", data={**metadata_from(page), "action": "edit"})
    assert back.status_code == 200
    assert textarea_value(text_of(back), "text") == SEED_TEXT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_at": "2023-03-14T00:00"}, "截止时间必须晚于开始时间"),
        ({"opens_at": ""}, "请填写开始时间"),
        ({"closes_at": "tomorrow"}, "截止时间格式不正确"),
        ({"slug": "xihu-2023"}, "已被使用"),
        ({"slug": "西湖"}, "网址名称只能包含小写英文字母"),
        ({"slug": "new"}, "保留名称"),
        ({"title": ""}, "请填写标题"),
        ({"email": "not-mail"}, "电子邮箱格式不正确"),
        ({"email": "办公室@例子.中国"}, "“@”前面的部分只能使用英文字母"),
        ({"postcode": "31000"}, "邮政编码应为6位数字"),
    ],
)
def test_metadata_errors_keep_the_preview(seeded, login_as, overrides, message):
    admin = login_as("admin")
    page = text_of(preview(admin, SEED_TEXT))
    response = admin.post("/staff/consultations/create", data=metadata_from(page, **overrides))
    again = text_of(response)
    assert response.status_code == 400
    assert message in again
    assert "识别出7个部分、52条条款" in again and hidden_value(again, "text") == SEED_TEXT
    with seeded.app_context():
        assert len(db.session.scalars(select(Consultation)).all()) == 2


def test_window_edit_is_validated_and_logged(seeded, login_as):
    admin = login_as("admin")
    demo = consultation(seeded, "xihu-2023-demo")
    bad = post_action(admin, "xihu-2023-demo", "window", opens_at="2024-05-10T09:00", closes_at="2024-05-01T09:00")
    assert bad.status_code == 400 and "截止时间必须晚于开始时间" in text_of(bad)
    assert 'value="2024-05-10T09:00"' in text_of(bad)
    good = post_action(admin, "xihu-2023-demo", "window", opens_at=local_input(demo.opens_at),
                       closes_at="2099-05-01T09:00")
    assert good.status_code == 303
    assert to_local(consultation(seeded, "xihu-2023-demo").closes_at).isoformat() == "2099-05-01T09:00:00+08:00"
    [(summary, change)] = changes(seeded, demo.id)
    assert "修改征求意见时间" in summary
    assert change == {"closes_at": [to_local(demo.closes_at).isoformat(timespec="minutes"), "2099-05-01T09:00+08:00"]}
    unchanged = post_action(admin, "xihu-2023-demo", "window", opens_at=local_input(demo.opens_at),
                            closes_at="2099-05-01T09:00")
    assert unchanged.status_code == 303 and len(changes(seeded, demo.id)) == 1


@pytest.mark.parametrize(
    ("slug", "action", "message"),
    [
        ("xihu-2023-demo", "archive", "征求意见尚未截止,不能归档"),
        ("xihu-2023-demo", "publish", "该征求意见已经发布"),
        ("xihu-2023", "close", "征求意见已经截止"),
    ],
)
def test_refused_actions_say_why_and_change_nothing(seeded, login_as, slug, action, message):
    admin = login_as("admin")
    before = consultation(seeded, slug)
    response = post_action(admin, slug, action)
    assert response.status_code == 400 and message in text_of(response)
    after = consultation(seeded, slug)
    assert (after.status, after.closes_at) == (before.status, before.closes_at)
    assert changes(seeded, before.id) == []


def test_archived_consultations_cannot_be_retimed(seeded, login_as):
    admin = login_as("admin")
    assert post_action(admin, "xihu-2023", "archive").status_code == 303
    response = post_action(admin, "xihu-2023", "window", opens_at="2023-03-15T00:00", closes_at="2099-01-01T00:00")
    assert response.status_code == 400 and "已归档的征求意见不能修改" in text_of(response)
    assert post_action(admin, "xihu-2023", "publish").status_code == 303  # restoring is allowed
    assert consultation(seeded, "xihu-2023").status == "published"


def test_cli_imports_stay_published(seeded, client):
    assert consultation(seeded, "xihu-2023").status == "published"
    assert consultation(seeded, "xihu-2023-demo").status == "published"
    home = text_of(client.get("/"))
    assert "/c/xihu-2023/" in home and "/c/xihu-2023-demo/" in home


DRAFTS = SEED_PATH.parents[3] / "tests" / "consultations" / "drafts"


def missing_in(page: str) -> list[str]:
    return re.findall(r'<div class="missing-from-text" data-missing="([a-z_]+)">', page)


def test_a_text_without_a_window_is_previewed_with_the_missing_fields_to_fill(seeded, login_as):
    admin = login_as("admin")
    text = (DRAFTS / "no-window.txt").read_text(encoding="utf-8")
    response = preview(admin, text)
    page = text_of(response)
    assert response.status_code == 200, page[:2000]
    assert "识别出3个部分、4条条款" in page
    assert missing_in(page) == ["opens_at", "closes_at", "issuer", "contact_person", "phone", "email",
                                "postal_address", "postcode"]
    summary = page[page.index('id="missing-summary"'):page.index("</ul>", page.index('id="missing-summary"'))]
    assert '<a href="#opens_at">开始时间</a> <span class="required">' in summary and '<a href="#issuer">发布单位</a></li>' in summary
    assert "原文中没有找到,请填写后再保存。" in page
    assert hidden_value(page, "opens_at") == "" and hidden_value(page, "title") == "某某区老旧小区加装电梯工作指导意见（征求意见稿）"

    refused = admin.post("/staff/consultations/create", data=metadata_from(page))
    assert refused.status_code == 400
    again = text_of(refused)
    assert "请填写开始时间" in again and "请填写截止时间" in again
    assert missing_in(again)[:2] == ["opens_at", "closes_at"] and hidden_value(again, "text") == text

    saved = admin.post("/staff/consultations/create", data=metadata_from(
        page, slug="lift", opens_at="2030-01-01T00:00", closes_at="2030-01-15T00:00", issuer="某某区住房和城乡建设局"))
    assert saved.status_code == 303, text_of(saved)[:2000]
    draft = consultation(seeded, "lift")
    assert (draft.status, draft.issuer, len(draft.sections), len(draft.clauses)) == ("draft", "某某区住房和城乡建设局", 3, 4)
    assert to_local(draft.opens_at).isoformat() == "2030-01-01T00:00:00+08:00"


def test_a_deadline_only_notice_fills_the_window_and_issuer_from_its_signature(seeded, login_as):
    page = text_of(preview(login_as("admin"), (DRAFTS / "judicial-deadline-signature.txt").read_text(encoding="utf-8")))
    assert hidden_value(page, "opens_at") == "2019-06-01T00:00" and hidden_value(page, "closes_at") == "2019-07-01T00:00"
    assert hidden_value(page, "issuer") == "某某市司法局"
    assert missing_in(page) == ["contact_person"]
    assert 'id="missing-summary"' in page


def test_the_preview_shows_the_text_outside_the_clauses(seeded, login_as):
    admin = login_as("admin")
    page = text_of(preview(admin, SEED_TEXT))
    closing = page[page.index('id="closing-text"'):]
    assert closing.split(">", 1)[1].startswith("上述7个领域政策")
    assert 'id="notice-text"' in page and 'id="preamble-text"' in page and 'id="meta-text"' in page
    assert "法定主动公开内容" in page[page.index('id="ignored-text"'):]
    assert missing_in(page) == [] and 'id="missing-summary"' not in page

    page = text_of(preview(admin, (DRAFTS / "reform-heading-alone.txt").read_text(encoding="utf-8")))
    assert '<p id="closing-text">(无)</p>' in page        # the last item's text stayed in the item
    assert "严格督查考核" in page


def test_the_draft_preview_shows_a_heading_alone_once(seeded, login_as):
    admin = login_as("admin")
    page = text_of(preview(admin, (DRAFTS / "reform-heading-alone.txt").read_text(encoding="utf-8")))
    assert admin.post("/staff/consultations/create", data=metadata_from(page, slug="biz")).status_code == 303
    shown = text_of(admin.get("/staff/consultations/biz/preview"))
    block = re.search(r'<div class="doc-clause" id="clause-6">(.*?)</div>', shown, re.S).group(1)
    assert re.findall(r'<p class="doc-para[^"]*">(.*?)</p>', block) == [
        '<span class="clause-no">（六）</span>严格督查考核', "将营商环境改革纳入年度综合考核，定期通报工作进展。"]
    assert shown.count("严格督查考核") == 1 and shown.count("将营商环境改革纳入年度综合考核") == 1
