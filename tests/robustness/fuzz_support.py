"""Random requests for every route of the app: URLs with random path values, random query
strings, and forms that are valid except for a few random fields (so the random text gets past
the other validators and reaches the services and the database).

Routes come from `app.url_map` and form fields from every FlaskForm subclass the app defines,
so a new route or form is fuzzed without touching this file."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

from hypothesis import strategies as st
from werkzeug.routing import Rule

# Text as people and attackers send it: any Unicode except surrogates (they cannot travel in UTF-8).
ANY_CHAR = st.characters(exclude_categories=("Cs",))
CONTROL_CHARS = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160)])
INVISIBLE = "\u200b\u200c\u200d\ufeff\u2060\u3000\xa0 \t\n"

NASTY = [
    "\x00", "a\x00b", "意见\x00内容建议修改", "\x1b[31m红色", "\x07\x08\x0b\x0c", "\u200b" * 6, "\u3000" * 6,
    "\xa0" * 6, "\ufeff\u2060\u200c\u200d\u200b", "-1", "0", "-0", "00", "1.5", "1e9", "NaN", " 5 ", "1_000",
    str(2**31), str(2**63 - 1), str(2**63), str(2**64), "99999999999999999999", "9" * 5000, "²", "١٢", "１２",
    "9999-12-31", "0001-01-01", "0000-00-00", "2023-02-30", "9999-12-31T23:59", "0001-01-01T00:00",
    "2023-03-15T25:61", "%00", "%", "<script>alert(1)</script>", "' OR 1=1 --", "\\", "//evil.example/",
    "XH-7K4Q-2M9D", "ß" * 40, "ﬀ" * 60, "字" * 3000,
]

TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.sampled_from(NASTY),
    st.text(st.sampled_from(CONTROL_CHARS + INVISIBLE + "建议abc1"), max_size=30),
    st.integers().map(str),
    st.text(ANY_CHAR, min_size=200, max_size=2500),
)

QUERY_NAMES = [
    "page", "per_page", "clause", "section", "q", "status", "stance", "identity", "channel", "decision", "since",
    "until", "sort", "c", "next", "back", "code", "action", "actor", "target_type", "target_id",
]

URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SKIPPED_ENDPOINTS = {"static"}


@dataclass
class Known:
    """Values that exist in the database, so random requests also hit real rows."""

    slugs: list[str]
    ids: list[int]
    codes: list[str]
    clause_numbers: list[int] = field(default_factory=lambda: [1, 2, 12, 52])


def routes(app) -> list[tuple[Rule, str]]:
    """(rule, method) for every route except static files, GET before POST."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return sorted(found, key=lambda item: (item[1] != "GET", item[0].rule))


def is_staff(rule: Rule) -> bool:
    return rule.rule.startswith("/staff")


_PART = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-zA-Z_]+)>")


def path_value(converter: str, args: str | None, known: Known):
    if converter == "int":
        real = st.sampled_from(known.ids + known.clause_numbers)
        return st.one_of(
            real, real,
            st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20, 10**30]),
            st.integers(),
            st.text("0123456789", min_size=1, max_size=40),
            TEXT,
        ).map(str)
    if converter == "any":
        choices = [part.strip().strip("'\"") for part in (args or "").split(",") if part.strip()]
        return st.one_of(st.sampled_from(choices), TEXT)
    real = st.sampled_from(known.slugs + known.codes + ["html", "docx", "xlsx", "en", "zh_CN"])
    return st.one_of(real, real, TEXT)


def draw_path(data, rule: Rule, known: Known) -> str:
    def substitute(match: re.Match) -> str:
        value = data.draw(path_value(match.group("conv") or "default", match.group("args"), known), match.group("name"))
        return quote(str(value), safe="") or "x"

    return _PART.sub(substitute, rule.rule)


def draw_query(data) -> dict[str, str]:
    """Known parameter names, often with nasty values, and a few random names."""
    known = st.dictionaries(st.sampled_from(QUERY_NAMES), st.one_of(st.sampled_from(NASTY), TEXT), max_size=4)
    query = data.draw(known, "query")
    query.update(data.draw(st.dictionaries(st.text(ANY_CHAR, min_size=1, max_size=8), TEXT, max_size=2), "more query"))
    return query


def form_field_names(app) -> list[str]:
    """The field names of every form class the app defines (imported by the blueprints)."""
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    names: set[str] = set()
    pending = [FlaskForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for klass in cls.__mro__:
            names.update(name for name, value in vars(klass).items() if isinstance(value, UnboundField))
    return sorted(names - {"csrf_token"})


def valid_values(known: Known, draft_text: str) -> dict[str, list[str]]:
    """A plausible valid value per well-known field name, so that the other fields pass."""
    from westlake_feedback.comments.models import Channel, IdentityType, Stance
    from westlake_feedback.moderation.models import DecisionOutcome, RejectionReason
    from westlake_feedback.moderation.services import BULK_ACTIONS

    today = date.today()
    return {
        "stance": [s.value for s in Stance],
        "body": ["建议明确资金拨付的时间节点和申请流程。"],
        "identity_type": [i.value for i in IdentityType],
        "name": ["张三", ""],
        "organisation": ["杭州某某科技有限公司", ""],
        "phone": ["13812345678", "0571-87971371", ""],
        "email": ["citizen@example.com", ""],
        "consent": ["y"],
        "website": [""],
        "channel": [c.value for c in Channel if c is not Channel.WEB],
        "received_on": [(today - timedelta(days=1)).isoformat(), "2023-03-20"],
        "postmarked_on": ["", "2023-03-19"],
        "clause": ["", "12", "1"],
        "postal_address": ["杭州市西湖区文三路1号", ""],
        "outcome": [o.value for o in DecisionOutcome],
        "response": ["已采纳,将在修改稿中体现。"],
        "reason": [r.value for r in RejectionReason],
        "note": ["与本文件无关。", ""],
        "published_body": ["建议明确资金拨付的时间节点。"],
        "text": ["对本条意见的汇总答复。", draft_text],
        "intro": ["本次征求意见共收到意见若干条。"],
        "show": ["1", "0"],
        "ids": [str(i) for i in known.ids],
        "action": list(BULK_ACTIONS),
        "title": ["关于测试的若干政策(征求意见稿)"],
        "slug": ["fuzz-draft"],
        "opens_at": ["2030-01-01T09:00"],
        "closes_at": ["2030-01-10T17:00"],
        "issuer": ["杭州市西湖区人民政府"],
        "contact_person": ["王老师"],
        "postcode": ["310000"],
        "source_name": ["draft.txt"],
    }


def draw_form(data, names: list[str], valid: dict[str, list[str]]) -> dict[str, str]:
    """Valid values for most fields, random ones for up to four; a fresh one-time token."""
    form = {name: data.draw(st.sampled_from(valid[name]), name) for name in names if name in valid}
    form["token"] = secrets.token_urlsafe(24)
    fuzzed = data.draw(st.dictionaries(st.sampled_from(names), TEXT, min_size=1, max_size=4), "random fields")
    form.update(fuzzed)
    return form
