"""Real Chromium: axe-core on the comparison table (修改对照表), an earlier round's clause page, the
notice with its round switcher, and the admin's alignment preview."""
from __future__ import annotations

import pytest

from axe_check import axe_violations
from helpers import STAFF_EMAILS, STAFF_PASSWORD, consultation, make_comment
from round_helpers import XIHU_12_OLD, done_redraft
from westlake_feedback.consultations.parser import parse_draft
from westlake_feedback.extensions import db
from westlake_feedback.rounds.services import import_round, publish_round, set_reasons, stored_matches
from westlake_feedback.timeutil import now_utc

pytestmark = pytest.mark.browser
SLUG = "xihu-2023-demo"


def _round_two(app, publish: bool):
    from datetime import timedelta

    with app.test_request_context():
        make_comment(SLUG, clause=12, status="approved", body="第十二条的资助额度太低。")
        c = consultation(SLUG)
        result = import_round(parse_draft(done_redraft()), c, opens_at=now_utc() - timedelta(hours=1),
                              closes_at=now_utc() + timedelta(days=10))
        reasons = {m.no: f"修改理由{m.no}" for m in stored_matches(result.round) if m.changed}
        set_reasons(result.round, reasons)
        db.session.commit()
        if publish:
            publish_round(result.round)


def test_comparison_table_and_earlier_round_pages_are_accessible(seeded, live_server, page):
    _round_two(seeded, publish=True)
    page.goto(f"{live_server}/c/{SLUG}/changes")
    assert page.locator("#changes-table tbody tr").count() == 3
    assert page.locator("#changes-table del.diff-del").count() >= 1
    assert page.locator("#changes-table ins.diff-ins").count() >= 1
    # The markers are text, read out by screen readers, not only a colour or a line.
    assert "[删除：" in page.inner_text("#changes-table del.diff-del >> nth=0")
    assert axe_violations(page) == []
    page.goto(f"{live_server}/c/{SLUG}/")
    assert page.is_visible(".round-switcher")
    assert axe_violations(page) == []
    page.click(".round-switcher >> text=第1轮")
    assert "/rounds/1/" in page.url
    page.goto(f"{live_server}/c/{SLUG}/rounds/1/clauses/12")
    assert XIHU_12_OLD in page.content() and "第十二条的资助额度太低。" in page.content()
    assert axe_violations(page) == []


def test_alignment_preview_is_accessible(seeded, staff, live_server, page):
    _round_two(seeded, publish=False)
    page.goto(f"{live_server}/staff/login")
    page.fill("#email", STAFF_EMAILS["admin"])
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server}/staff/consultations/{SLUG}/rounds/2/alignment")
    assert page.input_value("#from-11") == "12" and page.input_value("#from-20") == ""
    assert axe_violations(page) == []
    page.goto(f"{live_server}/staff/consultations/{SLUG}/rounds/2/clauses/11")
    assert page.is_visible(".earlier-round")
    assert axe_violations(page) == []
