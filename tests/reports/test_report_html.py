"""The standalone HTML report: tables with captions and scoped headers, inline SVG, no scripts."""
from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest

from westlake_feedback.reports.data import ClauseInfo, compute
from westlake_feedback.reports.html import render_report_html
from westlake_feedback.reports.labels import HEADINGS


class Outline(HTMLParser):
    """Collects what the assertions need from a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.stack: list[str] = []
        self.h2: list[str] = []
        self.adoption_rows = 0
        self._in_h2 = False
        self._in_adoption_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table":
            self.tables += 1
            self._adoption = "adoption" in (attrs.get("class") or "")
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and "scope" not in attrs:
            self.th_without_scope += 1
        elif tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        elif tag == "tbody" and getattr(self, "_adoption", False):
            self._in_adoption_body = True
        elif tag == "tr" and self._in_adoption_body:
            self.adoption_rows += 1

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
        elif tag == "tbody":
            self._in_adoption_body = False

    def handle_data(self, data):
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture
def page(ctx, sample_stats, sample_input):
    return render_report_html(sample_stats, sample_input)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_standalone_page_without_scripts_or_external_files(page):
    assert page.startswith("<!doctype html>")
    assert '<html lang="zh-CN">' in page
    assert "<script" not in page.lower()
    parsed = outline(page)
    tags = {tag for tag, _ in parsed.tags}
    assert "link" not in tags and "img" not in tags and "iframe" not in tags
    assert all(not (attrs.get("src") or "") for _, attrs in parsed.tags)
    assert all((attrs.get("href") or "#").startswith("#") for _, attrs in parsed.tags)
    assert "<style>" in page and "@media print" in page and "url(" not in page


def test_headings_tables_and_charts(page, sample_stats):
    parsed = outline(page)
    assert parsed.h2 == list(HEADINGS.values())
    assert parsed.tables >= 10 and parsed.captions == parsed.tables
    assert parsed.th_without_scope == 0
    assert page.count("<svg") == 2 and 'role="img"' in page
    assert parsed.adoption_rows == 16
    for caption in ("按提交渠道统计", "各条款意见倾向", "意见采纳情况", "每日收到意见数", "审核情况"):
        assert f"<caption>{caption}</caption>" in page
    assert "停车位（26）" in page
    assert "<td class=\"num\">25</td>" in page                        # web submissions
    assert '<time datetime="2023-03-17">2023年3月17日</time></th><td class="num">0</td>' in page


def test_user_text_is_escaped(ctx, input_factory):
    base = input_factory()
    title = "<script>alert(1)</script>"
    comments = [replace(c, body="<img src=x onerror=alert(2)>", clause_title=title) if c.clause_number == 1 else c
                for c in base.comments]
    clauses = [ClauseInfo(1, "1.", title, 1), *base.clauses[1:]]
    report_input = input_factory(comments=comments, clauses=clauses, title="<b>草案</b>")
    html = render_report_html(compute(report_input), report_input)
    assert "<script" not in html.lower() and "<img" not in html and "<b>草案" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_empty_report_renders(ctx, input_factory):
    report_input = input_factory(comments=[], clause_responses=[])
    html = render_report_html(compute(report_input), report_input)
    assert "尚无已作出答复的意见。" in html and "尚无针对具体条款的意见。" in html
