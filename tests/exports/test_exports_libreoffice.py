"""A spreadsheet program (LibreOffice Calc, headless) opens the XLSX export and reads every text as
typed: formula payloads as apostrophed text, Chinese, line breaks, and `_xHHHH_` literally."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

from helpers import make_comment
from test_exports_roundtrip import TEXTS, cell

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")]
# The CSV filter: comma, double quote, UTF-8, from line 1, ..., the second sheet (意见).
FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


def test_libreoffice_reads_the_texts_as_typed(seeded, staff, app, login_as, tmp_path):
    texts = [t for t in TEXTS if "\r" not in t] + ["编码_x0041_不应被解释"]  # CSV output cannot keep a bare CR
    with app.app_context():
        for text in texts:
            make_comment(clause=12, body=text)
    (tmp_path / "export.xlsx").write_bytes(login_as("admin").get("/staff/c/xihu-2023-demo/export.xlsx").data)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", FILTER, "export.xlsx", "--outdir", str(tmp_path)],
                   cwd=tmp_path, check=True, capture_output=True, timeout=240)
    converted = next(tmp_path.glob("export*.csv")).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(converted, newline="")))
    assert sorted(row["意见内容"] for row in rows) == sorted(cell(t) for t in texts)
    assert {row["条款号"] for row in rows} == {"12"}
