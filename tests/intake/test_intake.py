"""Offline intake: letters, emails, phone calls and meetings become pending comments with receipts."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpers import STAFF_EMAILS, form_tokens, rendered_outbox_rows
from intake_helpers import offline_opinion, post_offline, today_local
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.timeutil import local_midnight, now_utc

DEMO = "xihu-2023-demo"


def comments(app) -> list[Comment]:
    with app.app_context():
        found = list(db.session.scalars(select(Comment).order_by(Comment.id)))
        for comment in found:
            db.session.expunge(comment)
        return found


def set_window(app, first_day, closes_day, slug=DEMO) -> None:
    """Window from local midnight of first_day to local midnight of closes_day (exclusive)."""
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.opens_at, consultation.closes_at = local_midnight(first_day), local_midnight(closes_day)
        db.session.commit()


@pytest.fixture
def closed_window(seeded):
    """The demo's window: ten days ago through four days ago; it closed three days ago at 00:00."""
    today = today_local()
    set_window(seeded, today - timedelta(days=10), today - timedelta(days=3))
    return today


@pytest.mark.parametrize("channel", ["letter", "email", "phone", "meeting"])
def test_each_channel_becomes_a_pending_comment_with_a_receipt(seeded, login_as, channel):
    moderator = login_as("moderator")
    before = now_utc()
    response = post_offline(moderator, channel=channel)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert re.fullmatch(r"/staff/intake/entries/\d+", response.headers["Location"])

    [comment] = comments(seeded)
    assert comment.channel == channel and comment.status == "pending"
    assert re.fullmatch(r"XH-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", comment.receipt_code)
    assert comment.received_on == today_local()
    assert comment.postal_address == "杭州市西湖区文三路1号" and comment.phone == "13900001111"
    assert before <= comment.created_at <= now_utc()
    assert comment.consent_at is None and comment.ip_hash is None
    with seeded.app_context():
        stored = db.session.get(Comment, comment.id)
        assert stored.clause.number == 12
        assert stored.entered_by.email == STAFF_EMAILS["moderator"]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "offline_entry")).one()
        assert entry.actor_email == STAFF_EMAILS["moderator"] and entry.target_id == str(comment.id)
        assert json.loads(entry.changes)["channel"] == [None, channel]
        [receipt] = rendered_outbox_rows("receipt")  # its text written by the worker
        assert "lisi@example.com" in receipt.recipients and comment.receipt_code in receipt.subject

    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<p class="receipt-code" aria-label="回执编号 ' in page and f">{comment.receipt_code}</p>" in page
    assert "请告知来件人" in page and "已录入" in page

    public = seeded.test_client().get(f"/receipt/{comment.receipt_code}")
    html = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "来信认为第十二条的奖励标准偏低" in html and "待审核" in html
    assert "13900001111" not in html and "lisi@example.com" not in html


def test_whole_draft_opinion_from_an_organisation(seeded, login_as):
    response = post_offline(login_as("admin"), channel="meeting", clause="", identity_type="company",
                            organisation="杭州某科技有限公司", phone="", email="", postal_address="")
    assert response.status_code == 303
    [comment] = comments(seeded)
    assert comment.clause_id is None and comment.organisation == "杭州某科技有限公司"
    assert comment.phone is None and comment.email is None and comment.postal_address is None


def test_letter_postmarked_within_the_window_is_accepted_after_close(closed_window, login_as, seeded):
    postmark = closed_window - timedelta(days=4)  # the last day of the window
    response = post_offline(login_as("moderator"), channel="letter", postmarked_on=postmark.isoformat())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [comment] = comments(seeded)
    assert comment.postmarked_on == postmark and comment.received_on == closed_window


def test_letter_postmarked_after_close_is_refused(closed_window, login_as, seeded):
    postmark = closed_window - timedelta(days=3)  # the window ended at 00:00 that day
    response = post_offline(login_as("moderator"), channel="letter", postmarked_on=postmark.isoformat())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "邮戳日期晚于征求意见截止时间" in html and "逾期寄出的信函不予受理" in html
    assert comments(seeded) == []


def test_late_letter_without_postmark_is_refused_and_asks_for_it(closed_window, login_as, seeded):
    response = post_offline(login_as("moderator"), channel="letter")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "收到日期晚于征求意见截止时间" in html and "请填写邮戳日期" in html
    assert comments(seeded) == []


@pytest.mark.parametrize(("channel", "label"), [("email", "电子邮件"), ("phone", "电话"), ("meeting", "座谈会")])
def test_other_channels_received_after_close_are_refused(closed_window, login_as, seeded, channel, label):
    moderator = login_as("moderator")
    response = post_offline(moderator, channel=channel)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"逾期收到的{label}意见不予受理" in html
    assert 'value="来信认为第十二条的奖励标准偏低,建议提高。"' not in html  # a textarea, not an attribute
    assert "来信认为第十二条的奖励标准偏低,建议提高。</textarea>" in html  # the input is kept
    assert comments(seeded) == []
    in_window = closed_window - timedelta(days=5)
    assert post_offline(moderator, channel=channel, received_on=in_window.isoformat()).status_code == 303
    assert [c.channel for c in comments(seeded)] == [channel]


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "邮戳日期不能晚于今天"), (-11, "邮戳日期早于征求意见开始时间")],
    ids=["future", "before-window"],
)
def test_postmark_in_the_future_or_before_the_window_is_refused(closed_window, login_as, seeded, days, message):
    response = post_offline(login_as("moderator"), channel="letter",
                            postmarked_on=(closed_window + timedelta(days=days)).isoformat())
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert comments(seeded) == []


def test_received_before_the_window_opened_is_refused(seeded, login_as):
    today = today_local()
    set_window(seeded, today, today + timedelta(days=8))
    response = post_offline(login_as("moderator"), channel="email",
                            received_on=(today - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert "收到日期早于征求意见开始时间" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"received_on": "2999-01-01"}, "收到日期不能晚于今天"),
        ({"received_on": "3月20日"}, "收到日期格式不正确"),
        ({"received_on": ""}, "请填写收到日期"),
        ({"channel": "email", "postmarked_on": "2023-03-20"}, "只有信函需要填写邮戳日期"),
        ({"channel": "web"}, "请选择意见的来源渠道"),
        ({"body": "   "}, "请填写意见内容"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"email": "not-an-address"}, "电子邮箱格式不正确"),
        ({"identity_type": "company", "organisation": ""}, "请填写单位名称"),
        ({"clause": "999"}, "请选择针对的条款"),
    ],
)
def test_invalid_input_is_refused_in_chinese_and_kept(seeded, login_as, fields, message):
    response = post_offline(login_as("moderator"), **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="李四"' in html and 'value="杭州市西湖区文三路1号"' in html
    assert comments(seeded) == []


def test_postmark_after_the_received_date_is_refused(seeded, login_as):
    today = today_local()
    response = post_offline(login_as("moderator"), received_on=(today - timedelta(days=1)).isoformat(),
                            postmarked_on=today.isoformat())
    assert response.status_code == 400
    assert "邮戳日期不能晚于收到日期" in response.get_data(as_text=True)


def test_a_double_submit_records_one_opinion(seeded, login_as):
    moderator = login_as("moderator")
    page = moderator.get(f"/staff/intake/{DEMO}/new")
    data = {**form_tokens(page.get_data(as_text=True)), **offline_opinion()}
    first = moderator.post(f"/staff/intake/{DEMO}/new", data=data, content_type="multipart/form-data")
    second = moderator.post(f"/staff/intake/{DEMO}/new", data=data, content_type="multipart/form-data")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "offline_entry")) == 1


def test_drafts_cannot_take_offline_opinions(seeded, login_as):
    with seeded.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == DEMO))
        consultation.status = "draft"
        db.session.commit()
    moderator = login_as("moderator")
    assert moderator.get(f"/staff/intake/{DEMO}/new").status_code == 404
    listing = moderator.get("/staff/intake/").get_data(as_text=True)
    assert f"/staff/intake/{DEMO}/new" not in listing and "/staff/intake/xihu-2023/new" in listing


def test_intake_list_shows_recent_entries(seeded, login_as):
    moderator = login_as("moderator")
    post_offline(moderator, channel="phone")
    [comment] = comments(seeded)
    html = moderator.get("/staff/intake/").get_data(as_text=True)
    assert comment.receipt_code in html and "电话" in html and STAFF_EMAILS["moderator"] in html
    assert "13900001111" not in html  # contact details only on the entry page


def test_web_comments_are_not_shown_as_offline_entries(seeded, login_as, post_comment):
    post_comment(f"/c/{DEMO}/clauses/12", f"/c/{DEMO}/clauses/12/comment")
    [comment] = comments(seeded)
    assert login_as("moderator").get(f"/staff/intake/entries/{comment.id}").status_code == 404


def test_no_phone_or_email_on_any_page_an_analyst_can_open(seeded, login_as, post_comment):
    from test_role_matrix import ROUTES

    moderator = login_as("moderator")
    post_offline(moderator, channel="email", phone="13900001111", email="lisi@example.com")
    post_comment(f"/c/{DEMO}/clauses/12", f"/c/{DEMO}/clauses/12/comment", phone="13812345678",
                 email="zhang@example.com")
    offline, web = comments(seeded)
    analyst = login_as("analyst")
    urls = [url.format(comment=offline.id, attachment=0, tag=0) for method, url, _ in ROUTES if method == "GET"]
    urls += ["/", f"/c/{DEMO}/", f"/c/{DEMO}/clauses/12", f"/receipt/{offline.receipt_code}",
             f"/receipt/{web.receipt_code}", f"/staff/intake/entries/{offline.id}"]
    opened = 0
    for url in urls:
        response = analyst.get(url)
        if response.status_code != 200:
            assert response.status_code in (403, 404), url
            continue
        opened += 1
        body = response.get_data()  # read (and so close) streamed exports too
        if response.mimetype.endswith(("spreadsheetml.sheet", "wordprocessingml.document")):
            continue  # zipped: the exports tests read these files back and check the masking
        html = body.decode("utf-8")
        for secret in ("13900001111", "lisi@example.com", "13812345678", "zhang@example.com"):
            assert secret not in html, (url, secret)
    assert opened >= 7
    assert analyst.get(f"/staff/intake/entries/{offline.id}").status_code == 403
