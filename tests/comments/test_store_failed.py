"""A comment that cannot be stored after every retry (it kept losing races with concurrent
merges of a campaign's clusters) is never a 500 and never lost from the form: 503 with
Retry-After, the text kept, nothing stored, and the same form sent again is stored once."""
from __future__ import annotations

import html as html_lib

import pytest
from sqlalchemy import func, select

from helpers import form_tokens, valid_comment
from intake_helpers import offline_opinion
from westlake_feedback import db_errors
from westlake_feedback.clusters import services as clusters
from westlake_feedback.clusters.services import ClusterChanged
from westlake_feedback.comments import services as comments
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

DEMO = "xihu-2023-demo"
CLAUSE12 = f"/c/{DEMO}/clauses/12"


@pytest.fixture
def always_losing(monkeypatch):
    """Every attempt loses its race until `.stop()`; no pauses between the attempts."""
    real = clusters.lock_for_merge

    class Race:
        losing = True

        @staticmethod
        def lock(plan):
            if Race.losing:
                raise ClusterChanged([])
            return real(plan)

    monkeypatch.setattr(comments, "lock_for_merge", Race.lock)
    monkeypatch.setattr(clusters, "lock_for_merge", Race.lock)
    monkeypatch.setattr(db_errors, "FIRST_PAUSE_S", 0.0)
    return Race


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


@pytest.mark.parametrize(("page_url", "action"), [(CLAUSE12, f"{CLAUSE12}/comment"), (f"/c/{DEMO}/", f"/c/{DEMO}/comment")])
def test_a_comment_that_cannot_be_stored_comes_back_as_typed(seeded, always_losing, page_url, action):
    client = seeded.test_client()
    typed = "建议第十二条<明确>兑现时间,并公布办理进度。"
    page = client.get(page_url).get_data(as_text=True)
    refused = client.post(action, data={**form_tokens(page), **valid_comment(body=typed, name="王五")})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    again = refused.get_data(as_text=True)
    assert "系统繁忙,您的意见尚未保存。您填写的内容已保留,请稍候几秒再次点击提交。" in again
    assert html_lib.escape(typed, quote=False) in again and 'value="王五"' in again
    assert stored(seeded) == 0

    always_losing.losing = False
    resent = client.post(action, data={**form_tokens(again), **valid_comment(body=typed, name="王五")})
    assert resent.status_code == 303 and "/receipt/" in resent.headers["Location"]
    assert stored(seeded) == 1


def test_an_offline_entry_that_cannot_be_stored_comes_back_as_typed(seeded, login_as, always_losing):
    moderator = login_as("moderator")
    page = moderator.get(f"/staff/intake/{DEMO}/new").get_data(as_text=True)
    data = {**form_tokens(page), **offline_opinion()}
    refused = moderator.post(f"/staff/intake/{DEMO}/new", data=data, content_type="multipart/form-data")
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert "系统繁忙,这条意见尚未录入。已填写的内容已保留,请稍候几秒再次点击保存。" in html
    assert 'value="李四"' in html and 'value="杭州市西湖区文三路1号"' in html
    assert stored(seeded) == 0

    always_losing.losing = False
    resent = moderator.post(f"/staff/intake/{DEMO}/new", data={**form_tokens(html), **offline_opinion()},
                            content_type="multipart/form-data")
    assert resent.status_code == 303
    assert stored(seeded) == 1


def test_in_english_the_busy_form_says_so_in_english(seeded, always_losing):
    client = seeded.test_client()
    client.set_cookie("lang", "en")
    page = client.get(CLAUSE12).get_data(as_text=True)
    refused = client.post(f"{CLAUSE12}/comment", data={**form_tokens(page), **valid_comment()})
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert "The site is busy and your opinion has not been saved yet." in html
    assert "系统繁忙" not in html
