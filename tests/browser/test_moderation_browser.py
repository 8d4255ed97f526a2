"""Real Chromium: a moderator works the queue with the keyboard only; axe-core on staff pages."""
from __future__ import annotations

import pytest

from axe_check import axe_violations
from helpers import STAFF_EMAILS, STAFF_PASSWORD, create_staff, make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

pytestmark = pytest.mark.browser


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


@pytest.fixture
def queue_data(seeded):
    create_staff(seeded)
    with seeded.app_context():
        return {
            "approve": make_comment(clause=12, body="建议在第十二条中明确停车位配建的奖励标准。"),
            "reject": make_comment(clause=12, body="本店停车位出租,价格优惠,欢迎来电咨询。"),
            "other": make_comment(clause=3, body="关于项目资金拨付进度的意见。"),
        }


def status_of(app, comment_id: int) -> tuple[str, str | None]:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.status, comment.rejection_reason


def keyboard_login(page, live_server, role: str) -> None:
    page.goto(f"{live_server}/staff/login")
    tab_to(page, "email")
    page.keyboard.type(STAFF_EMAILS[role])
    tab_to(page, "password")
    page.keyboard.type(STAFF_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff/")


def test_moderator_filters_approves_and_rejects_with_the_keyboard_only(live_server, page, seeded, queue_data):
    keyboard_login(page, live_server, "moderator")
    # The staff home opens the consultation with most pending comments: the demo.
    assert page.input_value("#choose-consultation") == "xihu-2023-demo"

    tab_to(page, "f-q")
    page.keyboard.type("停车")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=%E5%81%9C%E8%BD%A6" in page.url
    assert "共2条意见" in page.inner_text(".result-count")
    assert "关于项目资金拨付进度" not in page.inner_text("table")

    # Approve the first through the bulk form: tick it, choose the action, submit.
    tab_to(page, f"select-{queue_data['approve']}")
    page.keyboard.press("Space")
    assert page.is_checked(f"#select-{queue_data['approve']}")
    tab_to(page, "action")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#action") == "approve"
    tab_to(page, "bulk-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已处理1条意见" in page.inner_text(".flash")
    assert "q=" in page.url  # the filters survive the action
    assert status_of(seeded, queue_data["approve"]) == ("approved", None)

    # Reject the advertisement from its own page, with a reason.
    tab_to(page, f"open-{queue_data['reject']}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "本店停车位出租" in page.inner_text("#original-body")
    tab_to(page, "reason")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.input_value("#reason") == "advertising"
    tab_to(page, "note")
    page.keyboard.type("商业广告")
    tab_to(page, "reject-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已设为不予公开" in page.inner_text(".flash")
    assert "广告" in page.inner_text(".receipt-details")
    assert status_of(seeded, queue_data["reject"]) == ("rejected", "advertising")
    assert status_of(seeded, queue_data["other"]) == ("pending", None)

    public = page.context.new_page()
    public.goto(f"{live_server}/c/xihu-2023-demo/clauses/12")
    text = public.inner_text(".published-comments")
    assert "停车位配建的奖励标准" in text and "本店停车位出租" not in text
    public.close()


def test_select_all_checkbox_ticks_every_row(live_server, page, queue_data):
    keyboard_login(page, live_server, "moderator")
    page.focus("#select-all")
    page.keyboard.press("Space")
    assert all(page.is_checked(f"#select-{comment_id}") for comment_id in queue_data.values())


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_no_serious_accessibility_violations_on_staff_pages(live_server, page, queue_data, role):
    page.goto(f"{live_server}/staff/login")
    assert axe_violations(page) == []
    keyboard_login(page, live_server, role)
    comment_id = queue_data["approve"]
    paths = ["/staff/", "/staff/c/xihu-2023-demo/comments?q=停车&sort=clause", f"/staff/comments/{comment_id}",
             "/staff/c/xihu-2023-demo/clauses/12/response"]
    if role == "admin":
        paths.append("/staff/c/xihu-2023-demo/visibility")
    for path in paths:
        page.goto(f"{live_server}{path}")
        assert axe_violations(page) == [], path


def test_no_serious_violations_on_form_errors(live_server, page, queue_data):
    keyboard_login(page, live_server, "moderator")
    page.goto(f"{live_server}/staff/comments/{queue_data['reject']}")
    page.select_option("#reason", "other")
    page.click("#reject-button")
    assert "选择“其他”时,请填写具体原因。" in page.inner_text("#error-summary")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/staff/")
    page.click("#bulk-submit")
    assert "请先勾选要处理的意见" in page.inner_text("#error-summary")
    assert axe_violations(page) == []
