"""build_all: the three files at once, with progress a CLI bar or the worker can show."""
from __future__ import annotations

import io
import zipfile

import click
import pytest

from westlake_feedback.reports.build import MEDIA_TYPES, build_all, click_progress, report_filename, total_steps


def test_builds_three_formats_with_progress(ctx, sample_input):
    calls = []
    files = build_all(sample_input, progress=lambda done, total, stage: calls.append((done, total, stage)))
    assert set(files) == set(MEDIA_TYPES) == {"html", "docx", "xlsx"}
    assert files["html"].startswith(b"<!doctype html>")
    for fmt in ("docx", "xlsx"):
        assert zipfile.ZipFile(io.BytesIO(files[fmt])).testzip() is None
    total = total_steps(sample_input)
    assert {t for _, t, _ in calls} == {total}
    dones = [d for d, _, _ in calls]
    assert dones == sorted(dones) and dones[-1] == total
    stages = list(dict.fromkeys(s for _, _, s in calls))
    assert stages == ["tally", "keywords", "done", "html", "docx", "xlsx"]


def test_click_progressbar(ctx, sample_input):
    out = io.StringIO()
    with click.progressbar(length=total_steps(sample_input), label="生成报告", file=out) as bar:
        build_all(sample_input, progress=click_progress(bar))
        assert bar.pos == bar.length
        assert bar.label == "生成 Excel 版"


def test_needs_an_app_context(sample_input):
    with pytest.raises(RuntimeError, match="app context"):
        build_all(sample_input)


def test_filenames(sample_input):
    assert report_filename(sample_input, "docx") == "xihu-2023-report-v2.docx"
