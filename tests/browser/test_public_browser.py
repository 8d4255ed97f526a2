"""Real Chromium: a keyboard-only comment on clause 12 of the demo, and axe-core checks."""
from __future__ import annotations

import re

import pytest

from axe_check import axe_violations

pytestmark = pytest.mark.browser


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only_comment_on_clause_12(live_server, page):
    page.goto(f"{live_server}/c/xihu-2023-demo/clauses/12")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    tab_to(page, "stance-2")  # Tab enters the radio group at the checked one (修改建议)
    page.keyboard.press("ArrowLeft")  # arrow keys move within the group
    assert page.is_checked("#stance-1")  # 反对
    tab_to(page, "body")
    page.keyboard.type("建议第12条明确奖励申报的时间和所需材料,便于企业提前准备。")
    assert "已输入" in page.inner_text("#body-count")
    tab_to(page, "name")
    page.keyboard.type("王五")
    tab_to(page, "email")
    page.keyboard.type("wangwu@example.com")
    tab_to(page, "consent")
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/receipt/XH-" in page.url
    code = page.inner_text(".receipt-code")
    assert re.fullmatch(r"XH-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    assert "建议第12条明确奖励申报的时间" in page.inner_text(".receipt-body")
    assert "您的意见已提交成功" in page.content()
    assert "反对" in page.inner_text(".receipt-details")


def test_form_errors_are_announced_and_focusable(live_server, page):
    page.goto(f"{live_server}/c/xihu-2023-demo/clauses/12")
    page.fill("#body", "太短了")
    page.check("#consent")
    page.click("button[type=submit]")
    assert page.is_visible("#error-summary")
    assert "意见内容至少需要5个字" in page.inner_text("#error-summary")
    assert page.input_value("#body") == "太短了"
    page.click("#error-summary a")
    assert focused_id(page) == "body"


@pytest.mark.parametrize(
    "path",
    ["/", "/c/xihu-2023-demo/", "/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/full", "/c/xihu-2023/",
     "/receipt"],
)
def test_no_serious_accessibility_violations(live_server, page, path):
    page.goto(f"{live_server}{path}")
    assert axe_violations(page) == []


def test_no_serious_violations_on_receipt_and_error_form(live_server, page):
    page.goto(f"{live_server}/c/xihu-2023-demo/clauses/12")
    page.fill("#body", "短")
    page.click("button[type=submit]")
    assert page.is_visible("#error-summary")
    assert axe_violations(page) == []
    page.fill("#body", "这是一条足够长的意见内容,用于检查回执页面。")
    page.check("#consent")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/receipt/" in page.url
    assert axe_violations(page) == []


def test_phone_width_has_no_horizontal_scroll(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    for path in ("/", "/c/xihu-2023-demo/", "/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/full"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
    context.close()


def test_works_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/c/xihu-2023-demo/")
    page.fill("#body", "整体上支持这份文件,希望尽快实施。")
    page.check("#consent")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/receipt/XH-" in page.url
    context.close()
