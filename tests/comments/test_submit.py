from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from helpers import form_tokens, valid_comment

DEMO = "/c/xihu-2023-demo"
CLAUSE12 = f"{DEMO}/clauses/12"


def count_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def only_comment(app) -> Comment:
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        db.session.expunge(comment)
        return comment


def test_comment_on_clause_gets_receipt_and_is_stored(seeded, client, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment")
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[-1]
    comment = only_comment(seeded)
    assert comment.receipt_code == code
    assert comment.status == "pending"
    assert comment.channel == "web"
    assert comment.consent_at is not None
    assert comment.ip_hash and "127.0.0.1" not in comment.ip_hash
    receipt = client.get(f"/receipt/{code}")
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200
    assert code in html and "建议明确资金拨付的时间节点" in html
    assert "待审核" in html
    assert "13812345678" not in html  # masked on the receipt page
    assert "138****5678" in html


def test_whole_draft_comment_has_no_clause(seeded, post_comment):
    response = post_comment(f"{DEMO}/", f"{DEMO}/comment")
    assert response.status_code == 303
    assert only_comment(seeded).clause_id is None


def test_receipt_code_format_and_lookup_is_forgiving(seeded, client, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment")
    code = response.headers["Location"].rsplit("/", 1)[-1]
    prefix, first, second = code.split("-")
    assert prefix == "XH" and len(first + second) == 8
    assert not set(first + second) & set("01OI")
    sloppy = (first + " " + second).lower()
    found = client.get("/receipt", query_string={"code": sloppy})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/receipt/{code}")
    missing = client.get("/receipt", query_string={"code": "XH-2222-2222"})
    assert missing.status_code == 404
    assert "没有找到这个回执编号" in missing.get_data(as_text=True)
    assert client.get("/receipt/XH-ZZZZ-ZZZZ").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "太短"}, "意见内容至少需要5个字,目前2个字。"),
        ({"body": "   "}, "请填写意见内容。"),
        ({"body": "长" * 2001}, "意见内容不能超过2000个字,目前2001个字。"),
        ({"consent": ""}, "请阅读个人信息处理说明并勾选同意后再提交。"),
        ({"identity_type": "company", "organisation": ""}, "以企业或社会组织身份提交时,请填写单位名称。"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"email": "not-an-email"}, "电子邮箱格式不正确"),
        ({"stance": "bogus"}, "请选择您的态度。"),
        ({"identity_type": "alien"}, "请选择身份类型。"),
    ],
)
def test_invalid_input_is_explained_and_kept(seeded, post_comment, fields, message):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'role="alert"' in html  # the error summary
    kept = valid_comment(**fields)
    assert kept["name"] in html and kept["email"] in html  # what was typed stays in the form
    assert count_comments(seeded) == 0


def test_body_length_counts_characters_after_trimming(seeded, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", body="  一二三四五  \n")
    assert response.status_code == 303
    assert only_comment(seeded).body == "一二三四五"


def test_phone_formats_accepted(seeded, post_comment):
    for phone in ("138 1234 5678", "+86 13812345678", "0571-87971371", "(0571)87971371"):
        response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", phone=phone)
        assert response.status_code == 303, phone


def test_post_without_csrf_token_is_refused_and_input_kept(seeded, client):
    page = client.get(CLAUSE12)
    tokens = form_tokens(page.get_data(as_text=True))
    data = {**valid_comment(), "token": tokens["token"]}  # no csrf_token
    response = client.post(f"{CLAUSE12}/comment", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "安全校验已过期" in html
    assert "建议明确资金拨付的时间节点" in html
    assert count_comments(seeded) == 0


def test_xss_payload_comes_back_escaped(seeded, client, post_comment):
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", body=payload, name="<b>bold</b>")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in receipt and "<img src=x" not in receipt
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in receipt
    assert "&lt;b&gt;bold&lt;/b&gt;" in receipt


def test_replayed_post_creates_one_comment(seeded, client):
    page = client.get(CLAUSE12)
    data = {**form_tokens(page.get_data(as_text=True)), **valid_comment()}
    first = client.post(f"{CLAUSE12}/comment", data=data)
    second = client.post(f"{CLAUSE12}/comment", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_comments(seeded) == 1


def test_each_rendered_form_makes_its_own_comment(seeded, post_comment):
    post_comment(CLAUSE12, f"{CLAUSE12}/comment")
    post_comment(CLAUSE12, f"{CLAUSE12}/comment")
    assert count_comments(seeded) == 2


def test_honeypot_is_kept_as_spam_not_published(seeded, client, post_comment):
    response = post_comment(CLAUSE12, f"{CLAUSE12}/comment", website="http://spam.example")
    assert response.status_code == 303
    assert only_comment(seeded).status == "spam"


def test_new_comments_are_not_public_until_approved(seeded, client, post_comment):
    post_comment(CLAUSE12, f"{CLAUSE12}/comment", body="这条意见应当等待审核后才公开。")
    assert "这条意见应当等待审核后才公开" not in client.get(CLAUSE12).get_data(as_text=True)
    with seeded.app_context():
        db.session.scalars(select(Comment)).one().status = "approved"
        db.session.commit()
    html = client.get(CLAUSE12).get_data(as_text=True)
    assert "这条意见应当等待审核后才公开" in html
    assert "已公开的意见(1条)" in html
    assert "13812345678" not in html and "zhang@example.com" not in html


def test_auto_approve_setting_publishes_at_once(app_factory, post_comment):
    # post_comment uses the default app's client; build a separate one with the setting.
    from helpers import seed

    app = app_factory(AUTO_APPROVE_COMMENTS=True)
    seed(app)
    client = app.test_client()
    page = client.get(CLAUSE12)
    data = {**form_tokens(page.get_data(as_text=True)), **valid_comment()}
    assert client.post(f"{CLAUSE12}/comment", data=data).status_code == 303
    assert only_comment(app).status == "approved"


# The seed's window: 2023-03-15 00:00 to 2023-03-23 00:00 Asia/Shanghai (16:00 UTC the day before).
OPENS = datetime(2023, 3, 14, 16, 0, tzinfo=timezone.utc)
CLOSES = datetime(2023, 3, 22, 16, 0, tzinfo=timezone.utc)
REAL = "/c/xihu-2023/clauses/12"


@pytest.mark.parametrize(
    ("moment", "accepted", "shown"),
    [
        (OPENS - timedelta(seconds=1), False, "征求意见尚未开始"),
        (OPENS + timedelta(seconds=1), True, "征求意见中"),
        (CLOSES - timedelta(seconds=1), True, "征求意见中"),
        (CLOSES + timedelta(seconds=1), False, "征求意见已截止"),
    ],
)
def test_window_boundaries(seeded, client, moment, accepted, shown):
    with time_machine.travel(moment, tick=False):
        page = client.get(REAL)
        html = page.get_data(as_text=True)
        assert shown in html
        assert ('name="body"' in html) is accepted
        if accepted:
            data = {**form_tokens(html), **valid_comment()}
            response = client.post(f"{REAL}/comment", data=data)
            assert response.status_code == 303
        else:
            # A crafted POST outside the window is refused and stores nothing.
            response = client.post(f"{REAL}/comment", data=valid_comment(token="x" * 32))
            assert response.status_code == 403
            assert ("尚未开始" if moment < OPENS else "已截止") in response.get_data(as_text=True)
    assert count_comments(seeded) == (1 if accepted else 0)


def test_window_status_at_exact_ends(seeded, ctx):
    from westlake_feedback.consultations.models import Consultation

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
    assert consultation.opens_at == OPENS and consultation.closes_at == CLOSES
    assert consultation.is_open(OPENS) and not consultation.is_open(CLOSES)


def test_enum_labels_made_once_still_follow_each_language(app):
    """The labels are made once per enum (lazy strings), and translated each time they are shown."""
    from flask_babel import force_locale

    from westlake_feedback.comments.models import IdentityType, Stance

    with app.test_request_context("/"):
        with force_locale("en"):
            assert Stance.AMEND.label == "Suggest changes"
            assert dict(Stance.choices())["amend"] == "Suggest changes"
        with force_locale("zh_CN"):
            assert Stance.AMEND.label == "修改建议"
        with force_locale("en"):
            assert IdentityType.COMPANY.label != IdentityType.INDIVIDUAL.label
            assert Stance.AMEND.label == "Suggest changes"
    assert Stance.value_set() == {"support", "oppose", "amend", "other"}


def test_a_posted_comment_form_is_checked_without_making_any_choice_label(app, monkeypatch):
    """The radio groups of a POST are checked against their enums' values; labels are made only
    when the form is drawn (they were about 2% of a comment POST)."""
    from werkzeug.datastructures import MultiDict

    from westlake_feedback.comments.forms import CommentForm
    from westlake_feedback.comments.models import LabelledEnum

    made = []
    label = LabelledEnum.label
    monkeypatch.setattr(LabelledEnum, "label", property(lambda member: made.append(member) or label.fget(member)))
    data = MultiDict({"stance": "amend", "identity_type": "company", "body": "意见", "consent": "y"})
    with app.test_request_context("/", method="POST", data=data):
        form = CommentForm(meta={"csrf": False})
        form.stance.validate(form)
        form.identity_type.validate(form)
        assert not form.stance.errors and not form.identity_type.errors
        assert made == []
        form.stance.data = "maybe"
        assert not form.stance.validate(form) and "请选择您的态度。" in form.stance.errors
        assert made == []
        assert "赞成" in str(form.stance())
        assert made


def test_a_choice_outside_the_enum_is_refused_with_our_sentence(seeded, client):
    page = client.get("/c/xihu-2023-demo/clauses/12")
    response = client.post("/c/xihu-2023-demo/clauses/12/comment",
                           data={**form_tokens(page.get_data(as_text=True)), **valid_comment(stance="maybe")})
    assert response.status_code == 400
    assert "请选择您的态度。" in response.get_data(as_text=True)
