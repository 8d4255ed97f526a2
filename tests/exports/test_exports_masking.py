"""Analysts never get a full phone number or email address in any export; moderators and admins do."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from helpers import make_comment

PHONE, EMAIL = "13912345678", "lisi.contact@example.org"
MASKED_PHONE, MASKED_EMAIL = "139****5678", "l***@example.org"


@pytest.fixture
def with_contacts(seeded, staff, app):
    with app.app_context():
        make_comment(clause=12, body="请联系我", name="李四", phone=PHONE, email=EMAIL)


def xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_analyst_gets_masked_contacts_only(with_contacts, login_as, fmt):
    data = login_as("analyst").get(f"/staff/c/xihu-2023-demo/export.{fmt}").data
    text = xlsx_text(data) if fmt == "xlsx" else data.decode("utf-8")
    assert PHONE not in text and EMAIL not in text and "lisi.contact" not in text
    assert MASKED_PHONE in text and MASKED_EMAIL in text
    if fmt != "xlsx":
        assert PHONE.encode() not in data and EMAIL.encode() not in data


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_moderator_and_admin_get_full_contacts(with_contacts, login_as, role, fmt):
    data = login_as(role).get(f"/staff/c/xihu-2023-demo/export.{fmt}").data
    text = xlsx_text(data) if fmt == "xlsx" else data.decode("utf-8")
    assert PHONE in text and EMAIL in text
