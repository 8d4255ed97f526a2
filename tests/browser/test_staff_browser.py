"""Real Chromium in the staff workspace: an admin creates and publishes a consultation with the
keyboard only; a moderator reaches the report through the consultation's tab bar; axe-core checks
the intake form, the management list, the preview pages and the tab pages."""
from __future__ import annotations

import pytest

from axe_check import axe_violations
from helpers import STAFF_EMAILS, STAFF_PASSWORD, create_staff
from westlake_feedback import PROJECT_ROOT

# Not imported from consultations.services: importing that package first trips an import cycle.
SEED_PATH = PROJECT_ROOT / "westlake_feedback" / "consultations" / "data" / "xihu-2023-draft.txt"

pytestmark = pytest.mark.browser


def focused(page, attribute: str = "id") -> str:
    return page.evaluate(f"document.activeElement && document.activeElement.{attribute}")


def tab_to(page, predicate, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if predicate():
            return
    raise AssertionError("Tab never reached the element")


def tab_to_id(page, element_id: str) -> None:
    tab_to(page, lambda: focused(page) == element_id)


def tab_to_button(page, text: str) -> None:
    tab_to(page, lambda: page.evaluate(
        "document.activeElement && document.activeElement.tagName === 'BUTTON' && "
        f"document.activeElement.textContent.trim() === {text!r}"))


@pytest.fixture
def staff_server(live_server, seeded):
    create_staff(seeded)
    return live_server


def sign_in_with_keyboard(page, server: str, role: str) -> None:
    page.goto(f"{server}/staff/login")
    tab_to_id(page, "email")
    page.keyboard.type(STAFF_EMAILS[role])
    page.keyboard.press("Tab")
    page.keyboard.type(STAFF_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/staff/login" not in page.url


def test_admin_creates_and_publishes_a_consultation_with_the_keyboard(staff_server, page):
    sign_in_with_keyboard(page, staff_server, "admin")
    tab_to(page, lambda: focused(page, "textContent") == "征求意见管理")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff/consultations/")
    tab_to(page, lambda: focused(page, "textContent") == "新建征求意见")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to_id(page, "text")
    page.keyboard.insert_text(SEED_PATH.read_text(encoding="utf-8"))  # what a paste delivers
    tab_to_button(page, "识别并预览")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "识别出7个部分、52条条款" in page.inner_text("#structure-summary")

    tab_to_id(page, "title")
    page.keyboard.press("Control+A")
    page.keyboard.type("西湖区经济政策(键盘测试)")
    page.keyboard.press("Tab")  # slug
    page.keyboard.press("Control+A")
    page.keyboard.type("keyboard-test")
    tab_to_button(page, "保存为草稿")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff/consultations/keyboard-test")
    assert page.inner_text("#status-label") == "草稿"

    tab_to_id(page, "publish-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text("#status-label") == "已发布"
    assert "已发布,公众现在可以看到此征求意见" in page.content()

    public = page.context.browser.new_context().new_page()  # not signed in
    public.goto(f"{staff_server}/c/keyboard-test/")
    assert "西湖区" in public.title() and public.locator(".doc-meta").count() == 1
    public.goto(f"{staff_server}/c/keyboard-test/clauses/52")
    assert public.locator("h1").count() == 1
    public.context.close()


def in_tab_bar(page) -> bool:
    return page.evaluate("!!(document.activeElement && document.activeElement.closest('nav.consultation-tabs'))")


def test_a_moderator_reaches_the_report_through_the_tab_bar_with_the_keyboard(staff_server, page):
    sign_in_with_keyboard(page, staff_server, "moderator")
    tabs = page.get_by_role("navigation", name="本征求意见的工作页面")
    assert tabs.count() == 1
    assert tabs.get_by_role("link").all_inner_texts() == ["意见", "相似意见", "线下录入", "条款答复", "标签", "报告", "导出"]
    # The tab bar follows the workspace navigation and comes before the page's own controls.
    seen = []
    tab_to(page, lambda: in_tab_bar(page) or focused(page) == "choose-consultation")
    while in_tab_bar(page):
        seen.append(focused(page, "textContent"))
        page.keyboard.press("Tab")
    assert seen == ["意见", "相似意见", "线下录入", "条款答复", "标签", "报告", "导出"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page, "textContent") == "报告"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff/c/xihu-2023-demo/reports")
    current = page.locator("nav.consultation-tabs [aria-current=page]")
    assert current.all_inner_texts() == ["报告"]
    assert page.locator("h1").inner_text() == "征求意见报告"


@pytest.mark.parametrize(
    "path",
    ["/staff/intake/", "/staff/intake/xihu-2023-demo/new", "/staff/consultations/",
     "/staff/consultations/new", "/staff/consultations/xihu-2023-demo",
     "/staff/consultations/xihu-2023-demo/preview", "/staff/", "/staff/c/xihu-2023-demo/clauses",
     "/staff/c/xihu-2023-demo/exports", "/staff/c/xihu-2023-demo/reports"],
)
def test_no_serious_accessibility_violations_on_staff_pages(staff_server, page, path):
    sign_in_with_keyboard(page, staff_server, "admin")
    page.goto(f"{staff_server}{path}")
    assert axe_violations(page) == []


def test_no_serious_violations_on_the_parse_preview_and_the_intake_errors(staff_server, page):
    sign_in_with_keyboard(page, staff_server, "admin")
    page.goto(f"{staff_server}/staff/consultations/new")
    page.fill("#text", SEED_PATH.read_text(encoding="utf-8"))
    with page.expect_navigation():
        page.click("button:has-text('识别并预览')")
    assert "识别出7个部分" in page.content()
    assert axe_violations(page) == []

    page.goto(f"{staff_server}/staff/consultations/new")     # no window: the missing fields are highlighted
    page.fill("#text", (SEED_PATH.parents[3] / "tests/consultations/drafts/no-window.txt").read_text(encoding="utf-8"))
    with page.expect_navigation():
        page.click("button:has-text('识别并预览')")
    assert page.is_visible("#missing-summary") and page.is_visible("[data-missing='opens_at'] #opens_at")
    assert axe_violations(page) == []

    page.goto(f"{staff_server}/staff/intake/xihu-2023-demo/new")
    page.fill("#phone", "123")
    with page.expect_navigation():
        page.click("button:has-text('保存并生成回执编号')")
    assert page.is_visible("#error-summary")
    assert axe_violations(page) == []
    page.fill("#body", "电话来电:建议延长征求意见时间。")
    page.fill("#phone", "13900001111")
    page.check("#channel-2")  # 电话
    with page.expect_navigation():
        page.click("button:has-text('保存并生成回执编号')")
    assert "/staff/intake/entries/" in page.url
    assert page.inner_text(".receipt-code").startswith("XH-")
    assert axe_violations(page) == []


def test_an_admin_adds_a_tag_with_the_keyboard_and_the_tag_pages_are_axe_clean(staff_server, page):
    sign_in_with_keyboard(page, staff_server, "admin")
    page.goto(f"{staff_server}/staff/c/xihu-2023-demo/tags")
    assert page.locator("nav.consultation-tabs [aria-current=page]").all_inner_texts() == ["标签"]
    page.focus("#name")
    page.keyboard.type("资金")
    page.keyboard.press("Tab")
    page.keyboard.type("涉及资金拨付")
    page.keyboard.press("Tab")
    assert focused(page, "textContent") == "添加标签"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#codebook tbody th").all_inner_texts() == ["资金"]
    assert axe_violations(page) == []
    page.goto(f"{staff_server}/staff/c/xihu-2023-demo/comments")
    assert page.locator("#f-tag option").all_inner_texts()[-1] == "资金"
    assert axe_violations(page) == []
    page.click("text=标签")
    page.click("text=编辑或删除")
    assert axe_violations(page) == []
