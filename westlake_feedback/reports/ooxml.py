"""Rewriting parts of a saved Office Open XML package (a DOCX or XLSX is a zip of XML parts).

The report's writers let python-docx and openpyxl make every part, with large tables' data rows
left out, and then put the rows in as XML text they wrote themselves (docx_rows.py,
xlsx_rows.py): writing 400,000 cells through the libraries took most of a large report's build.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape


def escape_text(text: str) -> str:
    """Text content as lxml serialises it: & < > escaped (quotes need not be, outside attributes)."""
    return xml_escape(text)


def rewrite_parts(package: bytes, rewrites: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The package with each named part replaced by rewrites[name](its bytes); the other parts,
    the order and each part's compression and time stamp are kept."""
    if not rewrites:
        return package
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        missing = set(rewrites) - set(source.namelist())
        if missing:
            raise KeyError(f"no such part in the package: {sorted(missing)}")
        for info in source.infolist():
            data = source.read(info)
            rewrite = rewrites.get(info.filename)
            target.writestr(info, rewrite(data) if rewrite else data)
    return out.getvalue()
