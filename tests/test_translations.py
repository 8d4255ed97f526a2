"""The English catalogue is complete: every string in the source is in it, translated, checked
(not fuzzy), with the same placeholders, and the compiled .mo the app loads matches it.

A failure lists the msgids to fix. To fix: `make messages` (re-extract and merge), translate the
listed entries in westlake_feedback/translations/en/LC_MESSAGES/messages.po (remove `#, fuzzy`
once a suggestion is checked), then `make translations` (or `make test`, which compiles first).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "westlake_feedback" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")
HOW_TO_FIX = ("run `make messages`, translate these entries in "
              "westlake_feedback/translations/en/LC_MESSAGES/messages.po, then `make translations`")

# CJK ideographs (and compatibility forms): an English msgstr holding any is not translated.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# msgids whose English text must keep Chinese characters, each with its reason. Keep it tiny:
# proper names the English interface shows in Chinese would go here. None is needed today.
KEEP_CHINESE: dict[str, str] = {
    "未能识别出任何条款：文中没有找到“第一条”“1.”或“（一）”这样的条款编号，请检查原文。":
        "quotes the Chinese clause markers the admin must look for in the pasted text",
}


def english_catalog():
    with ENGLISH_PO.open("rb") as handle:
        return read_po(handle, locale="en")


def entries(catalog):
    return [message for message in catalog if message.id]


def texts(message) -> tuple[str, ...]:
    """msgstr as a tuple (one item, or one per plural form; read_mo gives plurals as lists)."""
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)


def singular(message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def listing(messages) -> str:
    lines = []
    for message in messages:
        where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
        lines.append(f"  msgid {singular(message)!r} -> msgstr {message.string!r}  ({where})")
    return "\n".join(lines)


def test_every_english_entry_is_translated_checked_and_not_chinese():
    catalog = english_catalog()
    assert len(entries(catalog)) > 600  # the real catalogue, not an empty file
    empty = [m for m in entries(catalog) if not all(text.strip() for text in texts(m))]
    fuzzy = [m for m in entries(catalog) if m.fuzzy and m not in empty]
    chinese = [
        m for m in entries(catalog)
        if m not in empty and singular(m) not in KEEP_CHINESE and any(CJK.search(text) for text in texts(m))
    ]
    problems = []
    if empty:
        problems.append(f"{len(empty)} untranslated (empty msgstr):\n{listing(empty)}")
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy (check the suggestion, then remove the fuzzy flag):\n{listing(fuzzy)}")
    if chinese:
        problems.append(f"{len(chinese)} still Chinese in the English catalogue:\n{listing(chinese)}")
    assert not problems, "\n".join(problems) + f"\nTo fix: {HOW_TO_FIX}."


def test_whitelisted_chinese_msgids_exist():
    ids = {singular(m) for m in entries(english_catalog())}
    assert set(KEEP_CHINESE) <= ids, f"stale KEEP_CHINESE entries: {sorted(set(KEEP_CHINESE) - ids)}"


def test_placeholders_are_the_same_in_english():
    """%(name)s placeholders (and plural forms) must survive translation, or rendering raises."""
    catalog = english_catalog()
    problems = [f"  msgid {singular(m)!r}: {'; '.join(str(e) for e in errors)}" for m, errors in catalog.check()]
    brace = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
    for message in entries(catalog):
        wanted = sorted(brace.findall(singular(message)))
        for text in texts(message):
            if text and sorted(brace.findall(text)) != wanted:
                problems.append(f"  msgid {singular(message)!r}: placeholders {wanted} became {brace.findall(text)}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_compiled_catalogue_matches_the_po():
    """The app reads the .mo: after editing the .po, `make translations` (or `make test`) rebuilds it."""
    assert ENGLISH_MO.exists(), f"{ENGLISH_MO.relative_to(ROOT)} is missing: run `make translations`"
    with ENGLISH_MO.open("rb") as handle:
        compiled = {singular(m): texts(m) for m in read_mo(handle) if m.id}
    translated = {singular(m): texts(m) for m in entries(english_catalog()) if not m.fuzzy and all(texts(m))}
    differ = sorted(key for key in compiled.keys() | translated.keys() if compiled.get(key) != translated.get(key))
    assert not differ, (
        f"messages.mo is out of date with messages.po in {len(differ)} entries (run `make translations`), "
        f"e.g. {differ[:10]}"
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The template `make messages` would extract from the current source (same command)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_string_in_the_source_is_in_the_english_catalogue(extracted):
    """A string added to a template or to Python code without `make messages` fails here."""
    catalog = english_catalog()
    missing = [m for m in entries(extracted) if catalog.get(m.id, m.context) is None]
    assert not missing, (
        f"{len(missing)} source strings are not in the English catalogue:\n{listing(missing)}\nTo fix: {HOW_TO_FIX}."
    )
    plural_mismatch = [m for m in entries(extracted) if isinstance(m.id, tuple)
                       != isinstance(catalog.get(m.id, m.context).id, tuple)]
    assert not plural_mismatch, f"singular/plural changed, re-run `make messages`:\n{listing(plural_mismatch)}"


def test_translations_follow_a_forced_locale_and_come_back(app):
    """Strings are translated through a per-request shortcut (i18n.current_translations): mail
    written in the commenter's language inside a Chinese request, and back, never mixes them."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext

    template = "{{ _('提交意见') }}"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert gettext("提交意见") == "Submit comment" == render_template_string(template)
        with force_locale("zh_CN"):
            assert gettext("提交意见") == "提交意见" == render_template_string(template) == str(lazy_gettext("提交意见"))
        assert render_template_string(template) == "Submit comment" == str(lazy_gettext("提交意见"))
    with app.test_request_context("/"):
        assert render_template_string(template) == "提交意见" == gettext("提交意见")
        with force_locale("en"):
            assert render_template_string(template) == "Submit comment"
        assert gettext("提交意见") == "提交意见"
