"""Values safe to put in a spreadsheet cell (XLSX or CSV) made from text the public typed.

A cell whose text starts with =, +, -, @, a tab or a carriage return can be taken for a formula
by Excel, LibreOffice or WPS ("formula injection", OWASP "CSV Injection"): =HYPERLINK(...) turns
into a link that leaks data, and DDE payloads can run commands. Full-width lookalikes
(＝ ＋ － ＠) are included because Chinese input methods produce them and some spreadsheet
programs fold them to ASCII. Such text gets a leading apostrophe, so it is stored and shown as
text. Control characters that XML cannot hold are removed, so one bad comment cannot break an
export. Numbers, dates and None pass through untouched.
"""
from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
# Characters that may hide in front of a trigger without being visible.
_INVISIBLE_LEAD = " \u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text without an illegal character and without a trigger or an invisible space in front is
# returned as is: one scan in C for the many ordinary cells of a large export.
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|^["
                      + re.escape("".join(sorted(FORMULA_TRIGGERS)) + _INVISIBLE_LEAD) + "]")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula, even behind invisible leading spaces."""
    return bool(text) and (text[0] in FORMULA_TRIGGERS or text.lstrip(_INVISIBLE_LEAD)[:1] in FORMULA_TRIGGERS)


def safe_cell(value):
    """The value to write into a cell: risky text prefixed with an apostrophe, other values as given."""
    if not isinstance(value, str) or not _SUSPECT.search(value):
        return value
    text = ILLEGAL_XML_CHARACTERS.sub("", value)
    return "'" + text if is_risky(text) else text
