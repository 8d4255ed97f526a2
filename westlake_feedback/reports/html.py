"""The report as a standalone HTML page: styles and SVG charts inline, no scripts.

Needs an application context (it renders a Jinja template). The same content partial,
templates/reports/_report_body.html, can be included in a staff page that links
static/css/report.css.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from flask import render_template
from markupsafe import Markup

from . import charts, narrative
from .data import ReportInput
from .figures import ReportStats
from .labels import ADOPTION_COLUMNS, HEADINGS, cn_date, percent, window_text


@lru_cache(maxsize=1)
def report_css() -> str:
    return resources.files("westlake_feedback").joinpath("static/css/report.css").read_text(encoding="utf-8")


def report_context(stats: ReportStats, report_input: ReportInput) -> dict:
    """Everything _report_body.html needs; the SVG is built here with every text XML-escaped."""
    return {
        "stats": stats,
        "report": report_input,
        "headings": HEADINGS,
        "adoption_columns": ADOPTION_COLUMNS,
        "percent": percent,
        "cn_date": cn_date,
        "text": {
            "title": narrative.report_title(report_input),
            "version": narrative.version_line(report_input),
            "window": window_text(report_input.opens_at, report_input.closes_at),
            "intro": narrative.intro(stats, report_input),
            "overview": narrative.overview(stats),
            "round_note": narrative.round_note(report_input) if report_input.round_number else "",
            "per_day": narrative.per_day(stats),
            "distribution": narrative.distribution(stats),
            "keywords": narrative.keywords_note(),
            "decisions": narrative.decisions(stats),
        },
        "svg": {
            "per_day": Markup(charts.vertical_bar_svg(charts.per_day_chart(stats))),
            "top_clauses": Markup(charts.horizontal_bar_svg(charts.top_clauses_chart(stats))),
        },
    }


def render_report_html(stats: ReportStats, report_input: ReportInput) -> str:
    return render_template("reports/report.html", css=Markup(report_css()), **report_context(stats, report_input))
