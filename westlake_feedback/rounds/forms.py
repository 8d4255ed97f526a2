from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

from ..manage.forms import WindowForm, normalise_source

NUMBERS = re.compile(r"[\s,，、;；]+")


class RoundForm(WindowForm):
    """The window of a revised draft; its text rides along hidden from the upload step."""

    text = HiddenField(filters=[normalise_source])
    source_name = HiddenField(filters=[lambda v: (v or "").strip()[:300]])


def parse_numbers(value: str) -> list[int] | None:
    """'12' / '31、32' / '' as clause numbers; None when it is not a list of numbers."""
    parts = [p for p in NUMBERS.split((value or "").strip()) if p]
    if not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


NOT_NUMBERS = _l("请填写原条款的序号,多个用顿号或逗号分开;新增条款留空。")
