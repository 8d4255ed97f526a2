"""Real Chromium: a moderator opens the largest cluster from the tab bar, reads its members against
the first comment and approves and answers the whole cluster with the keyboard only, then applies
the decision to a copy that arrived later; axe-core finds nothing serious on the cluster pages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from axe_check import axe_violations
from helpers import comment_on, create_staff
from test_moderation_browser import focused_id, keyboard_login, tab_to
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision

pytestmark = pytest.mark.browser

SLUG = "xihu-2023-demo"
LETTER = ("我们坚决反对在居民楼楼道内统一设置充电点的做法。楼道是消防通道，电动自行车电池起火后蔓延极快，"
          "建议将充电点统一设在小区室外的独立车棚，配备烟感报警和自动断电装置。{name}")


def tab_to_link(page, text: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.tagName") == "A" and \
                page.evaluate("document.activeElement.textContent.trim()") == text:
            return
    raise AssertionError(f"Tab never reached the link {text!r}")


@pytest.fixture
def campaign(seeded):
    create_staff(seeded)
    with seeded.app_context():
        ids = [comment_on(SLUG, 12, body=LETTER.format(name=name)).id for name in ("王伟", "李娜", "张敏", "刘洋")]
        comment_on(SLUG, 3, body="关于项目资金拨付进度的意见。")
        first = db.session.get(Comment, ids[0])
        assert {db.session.get(Comment, i).cluster_id for i in ids} == {first.id}
        return ids, first.receipt_code


def test_a_moderator_decides_a_cluster_with_the_keyboard_only(live_server, page, seeded, campaign):
    ids, first_code = campaign
    keyboard_login(page, live_server, "moderator")
    tab_to_link(page, "相似意见")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/staff/c/{SLUG}/clusters")
    assert "共1个相似意见组,含4条意见" in page.inner_text(".result-count")
    assert axe_violations(page) == []

    tab_to_link(page, first_code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/clusters/{ids[0]}")
    # The second copy's name is marked as deleted from the first and added in it, in words too.
    assert "王伟" in page.locator(".cluster-members del.diff-del").first.inner_text()
    assert "[新增：" in page.locator(".cluster-members ins.diff-ins").first.text_content()
    assert axe_violations(page) == []

    tab_to(page, "action")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#action") == "approve"
    tab_to(page, "outcome-0")  # the radio group: 不改变采纳情况 is checked, arrows move the choice
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#outcome-2")
    tab_to(page, "response")
    page.keyboard.type("已部分采纳:充电点设在室外车棚。")
    tab_to(page, "apply-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已处理本组4条意见:审核状态改变4条,采纳情况写入4条。" in page.inner_text(".flash")
    assert "已决定4条,未决定0条" in page.inner_text("#cluster-decided")
    with seeded.app_context():
        assert {db.session.get(Comment, i).status for i in ids} == {"approved"}
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 4

    # A copy that arrives afterwards is flagged, and one keypress answers it.
    with seeded.app_context():
        late = comment_on(SLUG, 12, body=LETTER.format(name="赵军")).id
    page.reload()
    assert "1条意见尚未决定" in page.inner_text("#undecided")
    assert axe_violations(page) == []
    tab_to(page, "apply-rest")
    assert focused_id(page) == "apply-rest"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已处理本组1条意见" in page.inner_text(".flash")
    with seeded.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.comment_id == late))
        assert decision.outcome == "partly_adopted" and db.session.get(Comment, late).status == "approved"
    assert axe_violations(page) == []
