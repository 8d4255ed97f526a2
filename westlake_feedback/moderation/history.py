"""Audit entries about a comment, told in words for its staff page."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..audit.models import AuditEntry
from ..audit.services import ACTION_LABELS
from ..comments.models import CommentStatus
from .models import DecisionOutcome, RejectionReason

FIELD_LABELS = {
    "status": _l("审核状态"),
    "rejection_reason": _l("不予公开的原因"),
    "rejection_note": _l("说明"),
    "published_body": _l("公开文本"),
    "publish_name": _l("公开姓名/单位"),
    "outcome": _l("采纳情况"),
    "response": _l("答复说明"),
    "text": _l("条款答复"),
    "show_approved_comments": _l("公开显示意见内容"),
    "tags": _l("标签"),
}
VALUE_LABELS = {"status": CommentStatus, "rejection_reason": RejectionReason, "outcome": DecisionOutcome}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryItem:
    entry: AuditEntry
    action: str
    changes: list[Change]


# Never shown to a role that may not see a commenter's contact details, whoever wrote the entry.
CONTACT_FIELDS = frozenset({"phone", "email"})


def _value(field: str, value) -> str:
    if field == "published_body" and value is None:
        return str(_l("(原文)"))
    if value is None or value == "":
        return str(_l("(无)"))
    enum = VALUE_LABELS.get(field)
    if enum is not None:
        try:
            return enum(value).label
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    return str(value)


def describe(entry: AuditEntry, *, show_contact: bool) -> HistoryItem:
    try:
        raw = json.loads(entry.changes) if entry.changes else {}
    except ValueError:
        raw = {}
    changes = [
        Change(str(FIELD_LABELS.get(field, field)), _value(field, pair[0]), _value(field, pair[1]))
        for field, pair in raw.items()
        if isinstance(pair, list) and len(pair) == 2 and (show_contact or field not in CONTACT_FIELDS)
    ]
    return HistoryItem(entry, str(ACTION_LABELS.get(entry.action, entry.action)), changes)
