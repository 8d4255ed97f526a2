"""Build the report in all three formats, reporting progress as it goes.

    from westlake_feedback.reports.build import build_all, click_progress
    files = build_all(report_input)                      # {"html": b"...", "docx": b"...", "xlsx": b"..."}

    with click.progressbar(length=total_steps(report_input), label="生成报告") as bar:
        files = build_all(report_input, progress=click_progress(bar))

The HTML is rendered with Flask's render_template, so call build_all inside an application
context (the worker and the CLI have one). `progress(done, total, stage)` is called with a
growing `done`, a fixed `total` and one of the STAGES keys; the worker can store the three
values on its job row for the web page to show.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import has_app_context
from flask_babel import lazy_gettext as _l

from .data import Progress, ReportInput, Steps, compute, compute_steps
from .docx_writer import build_docx
from .html import render_report_html
from .xlsx_writer import build_xlsx

# Shown on the staff report page while a version is built (the report itself stays Chinese).
STAGES = {
    "tally": _l("统计意见"),
    "keywords": _l("提取关键词"),
    "done": _l("统计完成"),
    "html": _l("生成网页版"),
    "docx": _l("生成 Word 版"),
    "xlsx": _l("生成 Excel 版"),
}
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Writing a format weighs as much as tallying this many comments (at least one step).
_WRITER_WEIGHT = 0.25


def _writer_steps(report_input: ReportInput) -> int:
    return max(1, int(len(report_input.comments) * _WRITER_WEIGHT))


def total_steps(report_input: ReportInput) -> int:
    return compute_steps(report_input) + 3 * _writer_steps(report_input)


def report_filename(report_input: ReportInput, fmt: str) -> str:
    """xihu-2023-report-v2.docx"""
    return f"{report_input.slug}-report-v{report_input.version}.{fmt}"


def build_all(report_input: ReportInput, progress: Progress | None = None) -> dict[str, bytes]:
    if not has_app_context():
        raise RuntimeError("build_all renders the HTML report with Flask: call it inside an app context")
    grand = total_steps(report_input)
    computing = Steps(progress, compute_steps(report_input), 0, grand)
    stats = compute(report_input, _steps=computing)
    step = _writer_steps(report_input)
    writers = Steps(progress, 3 * step, computing.total, grand)
    files: dict[str, bytes] = {}
    for fmt, write in (("html", lambda: render_report_html(stats, report_input).encode("utf-8")),
                       ("docx", lambda: build_docx(stats, report_input)),
                       ("xlsx", lambda: build_xlsx(stats, report_input))):
        writers.advance(0, fmt)
        files[fmt] = write()
        writers.advance(step, fmt)
    return files


def click_progress(bar) -> Callable[[int, int, str], None]:
    """A progress callback driving a click.progressbar(length=total_steps(...)), with the stage as label."""

    def update(done: int, total: int, stage: str) -> None:
        bar.label = STAGES.get(stage, stage)
        bar.update(done - bar.pos)

    return update
