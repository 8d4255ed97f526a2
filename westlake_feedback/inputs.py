"""Untrusted input, made safe where it enters the app.

- Every query-string and form value (and key) loses its control characters other than tab and
  line ends, before any view or form sees it: PostgreSQL refuses NUL in text, and no field of
  this app means anything by the others. (CR stays so that CRLF line ends can be normalised.)
- `<int:...>` in a route matches ASCII digits up to MAX_INT only: a larger number cannot name a
  row, so it is a 404 rather than an overflow in the database driver.
- The default `<name>` converter refuses control characters in a path segment (a 404).
- `page_arg`, `int_arg` and `day_arg` parse query-string numbers and dates for every view.
"""
from __future__ import annotations

import re
from datetime import date

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

_CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}]")
# Characters that take no room on screen: a text made only of these and blanks is empty.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

MAX_INT = 2**31 - 1  # the largest INTEGER column value on PostgreSQL: no id or number is above it
MAX_PAGE = 100_000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # dates anyone can mean in this app


def strip_controls(value: str) -> str:
    return _CONTROL.sub("", value)


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in ZERO_WIDTH


def trim(value: str) -> str:
    """Like str.strip(), also removing zero-width characters at both ends (strip() keeps them)."""
    start, end = 0, len(value)
    while start < end and _blank(value[start]):
        start += 1
    while end > start and _blank(value[end - 1]):
        end -= 1
    return value[start:end]


def visible_length(text: str) -> int:
    """Characters that show: blanks (including U+3000 and NBSP) and zero-width ones do not count."""
    return sum(1 for ch in text if not _blank(ch))


def parse_int(raw: str | None, low: int = 0, high: int = MAX_INT) -> int | None:
    """ASCII digits (a leading minus when low < 0) within [low, high]; anything else is None."""
    text = (raw or "").strip()
    digits = text[1:] if text.startswith("-") and low < 0 else text
    if not digits or len(digits) > 18 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def page_arg(args, name: str = "page") -> int:
    """A page number from the query string: 1 unless it is a positive number; at most MAX_PAGE."""
    text = (args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, min(int(text) if len(text) <= 6 else MAX_PAGE, MAX_PAGE))


def int_arg(args, name: str, low: int = 0, high: int = MAX_INT) -> int | None:
    return parse_int(args.get(name), low, high)


def day_arg(value: str | None) -> date | None:
    """An ISO date from 1900 to 2999 (so that the day after and local midnights stay representable)."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _clean(value):
    return strip_controls(value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """request.args and request.form: keys and values without control characters."""

    def __init__(self, mapping=None):
        super().__init__([(_clean(key), _clean(value)) for key, value in iter_multi_items(mapping or ())])


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


class BoundedIntConverter(IntegerConverter):
    """`<int:name>`: ASCII digits from 0 to MAX_INT (unless the rule asks for less)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max, signed=signed)

    def to_python(self, value: str):
        if len(value.lstrip("-")) > 18:
            raise ValidationError()
        return super().to_python(value)


class SegmentConverter(UnicodeConverter):
    """The default converter: one path segment without control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROL_CLASS}]", 1)


def init_inputs(app: Flask) -> None:
    """Before any route is registered: the converters are looked up when a rule is added."""
    app.request_class = CleanRequest
    app.url_map.converters.update(int=BoundedIntConverter, default=SegmentConverter, string=SegmentConverter)
