"""Real Chromium: the standalone HTML report has no serious accessibility violation, on screen and in print."""
from __future__ import annotations

from axe_check import axe_violations
from report_sample import make_input
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.html import render_report_html


def test_report_page_is_accessible_and_prints(app, page):
    report_input = make_input()
    with app.app_context():
        html = render_report_html(compute(report_input), report_input)
    page.set_content(html)
    assert axe_violations(page) == []
    assert page.locator("svg[role=img]").count() == 2
    page.emulate_media(media="print")
    assert page.locator(".report-toc").is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_report_page_fits_a_phone(app, browser):
    report_input = make_input()
    with app.app_context():
        html = render_report_html(compute(report_input), report_input)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        phone = context.new_page()
        phone.set_content(html)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
