"""Real Chromium: axe-core on the published feedback page and on the admin preview."""
from __future__ import annotations

import pytest

from axe_check import axe_violations
from feedback_helpers import make_feedback_data
from helpers import STAFF_EMAILS, STAFF_PASSWORD, consultation
from westlake_feedback.accounts.services import user_by_email
from westlake_feedback.feedback.services import publish_feedback

pytestmark = pytest.mark.browser


@pytest.fixture
def published(seeded, staff):
    make_feedback_data(seeded)
    with seeded.test_request_context():
        publish_feedback(consultation(), "本次征求意见的情况说明。", user_by_email(STAFF_EMAILS["admin"]))
    return seeded


def test_public_feedback_page_is_accessible(published, live_server, page):
    page.goto(f"{live_server}/c/xihu-2023/feedback")
    assert page.inner_text("h1").startswith("关于《")
    assert "本次征求意见的情况说明。" in page.content()
    assert page.is_visible("#fc-12")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert not page.is_visible(".breadcrumb")
    assert page.is_visible("#fc-12")


def test_clause_feedback_page_is_reached_from_the_summary_and_accessible(published, live_server, page):
    page.goto(f"{live_server}/c/xihu-2023/feedback")
    with page.expect_navigation():
        page.click("#fc-12-link")
    assert page.url.endswith("/c/xihu-2023/feedback/clauses/12")
    assert "建议第十二条写明申报时间。" in page.inner_text(".feedback-entries")
    assert page.is_visible("#total-adopted")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click(".breadcrumb a[href$='#fc-12']")
    assert page.url.endswith("/c/xihu-2023/feedback#fc-12")
    page.goto(f"{live_server}/c/xihu-2023/feedback/whole")
    assert "建议整体上加强宣传。" in page.content()
    assert axe_violations(page) == []


def test_notice_summary_and_admin_preview_are_accessible(published, live_server, page):
    page.goto(f"{live_server}/c/xihu-2023/")
    assert page.is_visible("#feedback-summary")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/staff/login")
    page.fill("#email", STAFF_EMAILS["admin"])
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server}/staff/consultations/xihu-2023/feedback")
    assert page.is_visible("#preview-fc-12")
    assert axe_violations(page) == []
