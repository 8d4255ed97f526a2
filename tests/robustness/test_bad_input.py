"""Bad input named in issue 8 (item 3): huge integers, NUL and control characters, blank and
zero-width comments, out-of-range dates. Each gets a clear answer, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from helpers import STAFF_EMAILS, csrf_from, form_tokens, login, make_comment, valid_comment

HUGE = ["9223372036854775808", "99999999999999999999", "2147483648", "1" + "0" * 40]
PAGES = HUGE + ["-1", "0", "-99999999999999999999", "abc", "²", "١٢", "1_000", " ", "\x00"]


@pytest.fixture
def admin(seeded, login_as):
    return login_as("admin")


@pytest.fixture
def comment_id(seeded):
    with seeded.app_context():
        return make_comment("xihu-2023-demo", 12, status="approved")


def _stored(app, **where):
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db

    with app.app_context():
        return db.session.scalars(select(Comment).filter_by(**where)).all()


@pytest.mark.parametrize("number", HUGE)
def test_huge_numbers_in_public_paths_are_not_found(seeded, client, number):
    for path in (f"/c/xihu-2023-demo/clauses/{number}", f"/api/v1/consultations/xihu-2023-demo/clauses/{number}"):
        assert client.get(path).status_code == 404, path
    page = client.get("/c/xihu-2023-demo/clauses/12")
    data = {**form_tokens(page.get_data(as_text=True)), **valid_comment()}
    assert client.post(f"/c/xihu-2023-demo/clauses/{number}/comment", data=data).status_code == 404


def test_huge_numbers_in_staff_paths_are_not_found(admin, comment_id):
    csrf = csrf_from(admin.get(f"/staff/comments/{comment_id}").get_data(as_text=True))
    for number in HUGE:
        for path in (f"/staff/comments/{number}", f"/staff/intake/entries/{number}",
                     f"/staff/intake/attachments/{number}", f"/staff/reports/{number}.html",
                     f"/staff/c/xihu-2023-demo/clauses/{number}/response"):
            assert admin.get(path).status_code == 404, path
        for action in ("approve", "spam", "restore", "reject", "redact", "decision"):
            response = admin.post(f"/staff/comments/{number}/{action}", data={"csrf_token": csrf})
            assert response.status_code == 404, action
        assert admin.post(f"/staff/outbox/{number}/retry", data={"csrf_token": csrf}).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_bad_page_numbers_show_a_page(admin, comment_id, page):
    for path in ("/c/xihu-2023-demo/clauses/12", "/staff/", "/staff/c/xihu-2023-demo/comments", "/staff/audit/",
                 "/staff/outbox/"):
        response = admin.get(path, query_string={"page": page})
        assert response.status_code == 200, (path, page)


def test_a_page_past_the_end_is_empty_not_an_error(admin, comment_id):
    response = admin.get("/c/xihu-2023-demo/clauses/12", query_string={"page": "99999999999999999999"})
    assert response.status_code == 200
    assert "建议明确资金拨付的时间节点" not in response.get_data(as_text=True)  # the approved comment is on page 1


@pytest.mark.parametrize("name, value", [("page", "²"), ("page", "99999999999999999999"), ("per_page", "١٢"),
                                         ("per_page", "9" * 5000), ("clause", "²"), ("page", "-1")],
                         ids=["superscript", "huge", "arabic-digits", "5000-digits", "clause-superscript", "negative"])
def test_bad_api_numbers_are_a_400_with_a_message(seeded, client, name, value):
    response = client.get("/api/v1/consultations/xihu-2023-demo/comments", query_string={name: value})
    assert response.status_code == 400
    assert response.get_json()["parameter"] == name


@pytest.mark.parametrize("args", [{"section": "²"}, {"clause": "³"}, {"since": "9999-12-31"},
                                  {"until": "9999-12-31"}, {"since": "0001-01-01"}, {"until": "0001-01-01"}])
def test_bad_queue_filters_are_dropped(admin, comment_id, args):
    for path in ("/staff/c/xihu-2023-demo/comments", "/staff/c/xihu-2023-demo/export.csv"):
        response = admin.get(path, query_string=args)
        assert response.status_code == 200, path
        response.get_data()


@pytest.mark.parametrize("args", [{"since": "9999-12-31"}, {"until": "9999-12-31"}, {"since": "0001-01-01"},
                                  {"actor": "a\x00b"}, {"target_id": "\x00"}])
def test_bad_audit_filters_are_dropped(admin, args):
    assert admin.get("/staff/audit/", query_string=args).status_code == 200


# NUL and other control characters -----------------------------------------------------------

def test_nul_and_control_characters_are_removed_from_a_comment(seeded, post_comment):
    response = post_comment("/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/clauses/12/comment",
                            body="建议\x00明确资金\x1b拨付的\x7f时间节点\u0085。\n第二行\t缩进", name="张\x00三",
                            organisation="某\x00公司", email="zhang\x00@example.com")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    [comment] = _stored(seeded, name="张三")
    assert comment.body == "建议明确资金拨付的时间节点。\n第二行\t缩进"
    assert comment.organisation == "某公司"
    assert comment.email == "zhang@example.com"


@pytest.mark.parametrize("path", ["/staff/", "/staff/c/xihu-2023-demo/comments", "/staff/c/xihu-2023-demo/export.csv"])
def test_nul_in_the_search_is_ignored(admin, comment_id, path):
    response = admin.get(path, query_string={"q": "资金\x00拨付"})
    assert response.status_code == 200
    if path.endswith("comments"):
        assert f"/staff/comments/{comment_id}" in response.get_data(as_text=True)


def test_nul_in_the_login_form_is_a_wrong_password(seeded, client, staff):
    page = client.get("/staff/login")
    response = client.post("/staff/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                 "email": "admin\x00@xihu.example", "password": "x\x00y"})
    assert response.status_code == 400
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_nul_in_the_receipt_lookup_and_paths_is_not_found(seeded, client):
    assert client.get("/receipt", query_string={"code": "XH-\x00"}).status_code == 404
    for path in ("/c/xihu%00/", "/receipt/XH%00", "/api/v1/consultations/%00", "/c/x%1b/full"):
        assert client.get(path).status_code == 404, path


def test_nul_in_staff_forms_is_removed(seeded, admin, comment_id):
    from westlake_feedback.extensions import db
    from westlake_feedback.moderation.models import Decision

    page = admin.get(f"/staff/comments/{comment_id}")
    csrf = csrf_from(page.get_data(as_text=True))
    response = admin.post(f"/staff/comments/{comment_id}/decision",
                          data={"csrf_token": csrf, "outcome": "adopted", "response": "已\x00采纳。"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    response = admin.post(f"/staff/comments/{comment_id}/redact",
                          data={"csrf_token": csrf, "published_body": "公开\x00文本内容。"})
    assert response.status_code == 303
    with seeded.app_context():
        assert db.session.scalar(select(Decision.response)) == "已采纳。"
    [comment] = _stored(seeded, id=comment_id)
    assert comment.published_body == "公开文本内容。"


def test_nul_in_an_offline_entry_is_removed(seeded, admin):
    page = admin.get("/staff/intake/xihu-2023-demo/new")
    html = page.get_data(as_text=True)
    response = admin.post("/staff/intake/xihu-2023-demo/new", data={
        **form_tokens(html), "channel": "email", "received_on": _today(), "name": "王\x00五",
        "identity_type": "individual", "clause": "12", "stance": "support", "body": "来信\x00同意本条。",
        "postal_address": "杭州\x00市",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [comment] = _stored(seeded, name="王五")
    assert (comment.body, comment.postal_address) == ("来信同意本条。", "杭州市")


def _today() -> str:
    from westlake_feedback.timeutil import now_utc, to_local

    return to_local(now_utc()).date().isoformat()


# Blank and zero-width text --------------------------------------------------------------------

@pytest.mark.parametrize("body", ["\u200b" * 10, "\u200c\u200d\ufeff\u2060\u200b" * 3, "\u3000" * 8, "\xa0" * 8,
                                  "建\u200b\u200b\u200b\u200b", "a \u3000 b \xa0 c"])
def test_a_comment_of_blank_or_zero_width_characters_is_too_short(seeded, post_comment, body):
    response = post_comment("/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/clauses/12/comment", body=body)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "意见内容至少需要5个字" in html or "请填写意见内容" in html
    assert _stored(seeded) == []


def test_five_visible_characters_with_spaces_between_pass(seeded, post_comment):
    response = post_comment("/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/clauses/12/comment",
                            body="\u200b同 意 本 条 款\u3000")
    assert response.status_code == 303
    [comment] = _stored(seeded)
    assert comment.body == "同 意 本 条 款"


def test_an_offline_entry_of_zero_width_characters_is_refused(seeded, admin):
    html = admin.get("/staff/intake/xihu-2023-demo/new").get_data(as_text=True)
    response = admin.post("/staff/intake/xihu-2023-demo/new", data={
        **form_tokens(html), "channel": "email", "received_on": _today(), "identity_type": "individual",
        "clause": "", "stance": "support", "body": "\u200b\ufeff\u2060\u3000",
    })
    assert response.status_code == 400
    assert "请填写意见内容" in response.get_data(as_text=True)
    assert _stored(seeded) == []


@pytest.mark.parametrize("action, data, message", [
    ("reject", {"reason": "other", "note": "\u200b\u3000"}, "请填写具体原因"),
    ("redact", {"published_body": "\u200b\u200b\u200b"}, None),
    ("decision", {"outcome": "not_adopted", "response": "\ufeff\u200b"}, None),
])
def test_staff_texts_of_zero_width_characters_count_as_empty(seeded, admin, comment_id, action, data, message):
    csrf = csrf_from(admin.get(f"/staff/comments/{comment_id}").get_data(as_text=True))
    response = admin.post(f"/staff/comments/{comment_id}/{action}", data={"csrf_token": csrf, **data})
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    if message:
        assert message in response.get_data(as_text=True)
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db

    with seeded.app_context():
        comment = db.session.get(Comment, comment_id)
        assert (comment.published_body, comment.status, comment.decision) == (None, "approved", None)


# Dates out of range in staff forms -------------------------------------------------------------

@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_offline_received_on_far_away_is_refused(seeded, admin, day):
    html = admin.get("/staff/intake/xihu-2023-demo/new").get_data(as_text=True)
    response = admin.post("/staff/intake/xihu-2023-demo/new", data={
        **form_tokens(html), "channel": "letter", "received_on": day, "postmarked_on": day,
        "identity_type": "individual", "clause": "", "stance": "support", "body": "来信同意本条。",
    })
    assert response.status_code == 400
    assert _stored(seeded) == []


@pytest.mark.parametrize("opens, closes", [("0001-01-01T00:00", "2030-01-01T00:00"),
                                           ("2030-01-01T00:00", "9999-12-31T23:59")])
def test_a_window_far_away_is_refused(seeded, admin, opens, closes):
    html = admin.get("/staff/consultations/xihu-2023-demo").get_data(as_text=True)
    response = admin.post("/staff/consultations/xihu-2023-demo/window",
                          data={"csrf_token": csrf_from(html), "opens_at": opens, "closes_at": closes})
    assert response.status_code == 400
    assert "格式不正确" in response.get_data(as_text=True)


def test_every_route_takes_the_bounded_converters(app):
    from werkzeug.routing import IntegerConverter, UnicodeConverter

    from westlake_feedback.inputs import BoundedIntConverter, SegmentConverter

    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, BoundedIntConverter), (rule.rule, name)
            if isinstance(converter, UnicodeConverter):
                assert isinstance(converter, SegmentConverter), (rule.rule, name)
