"""Slow: LibreOffice opens the DOCX and XLSX and prints them to PDF with the Chinese text intact.

Run with `make test-slow` (or pytest -m slow). Needs libreoffice-writer, libreoffice-calc and
poppler-utils (pdftotext); without them the test is skipped with a loud warning.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import pytest

from westlake_feedback.reports.docx_writer import build_docx
from westlake_feedback.reports.xlsx_writer import build_xlsx

pytestmark = pytest.mark.slow


def _need(program: str, package: str) -> str:
    found = shutil.which(program)
    if not found:
        message = f"NO {program}: LibreOffice report test SKIPPED (apt-get install -y {package})"
        warnings.warn(message)
        print(f"\n{'!' * 20} {message} {'!' * 20}")
        pytest.skip(message)
    return found


def _to_pdf(tmp_path, name: str, data: bytes) -> str:
    office = _need("libreoffice", "libreoffice-writer libreoffice-calc")
    pdftotext = _need("pdftotext", "poppler-utils")
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / "pdf"
    result = subprocess.run(
        [office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=240,
    )
    pdf = out / (source.stem + ".pdf")
    assert pdf.exists(), f"no PDF from LibreOffice: {result.stdout} {result.stderr}"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"\s+", "", text)


def test_docx_converts_with_chinese_intact(tmp_path, sample_stats, sample_input):
    text = _to_pdf(tmp_path, "report.docx", build_docx(sample_stats, sample_input))
    assert "关于《西湖区人民政府关于推动经济高质量发展的若干政策（征求意见稿）》公开征求意见情况的报告" in text
    for heading in ("一、基本情况", "七、意见采纳情况", "意见摘要", "部分采纳", "停车位（26）"):
        assert heading in text
    assert "—1—" in text   # the page number field was computed


def test_xlsx_converts_with_chinese_intact(tmp_path, sample_stats, sample_input):
    text = _to_pdf(tmp_path, "report.xlsx", build_xlsx(sample_stats, sample_input))
    for expected in ("收到意见", "网上提交", "强化项目建设资金保障", "停车位", "解释说明"):
        assert expected in text


def test_many_answers_convert_with_every_row(tmp_path):
    """The rows the writers put in as XML text (docx_rows.py, xlsx_rows.py) are read by LibreOffice:
    400 answers, the first and the last there, text with & < > ]]> intact. (Calc prints a wrapped
    cell's first line only: the sheets set no row heights.)"""
    from report_sample import many_answers_input
    from westlake_feedback.reports.data import compute

    report_input = many_answers_input(copies=10)
    stats = compute(report_input)
    assert len(stats.adoption_rows) == 400
    first, last = stats.adoption_rows[0], stats.adoption_rows[-1]
    for name, data in (("many.docx", build_docx(stats, report_input)), ("many.xlsx", build_xlsx(stats, report_input))):
        folder = tmp_path / name.split(".")[1]
        folder.mkdir()
        text = _to_pdf(folder, name, data)
        for expected in (first.summary, last.summary, first.response.split("\n")[0], last.response.split("\n")[0],
                         "a&b<c>d]]>", "<!--rows-9-->"):
            assert re.sub(r"\s+", "", expected) in text, (name, expected)
