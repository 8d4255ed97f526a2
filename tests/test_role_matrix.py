"""Every staff route x anonymous/analyst/moderator/admin -> the expected status.

Add a row for every new staff route. GET rows expect the page; POST rows send an empty form with
a valid CSRF token, so 400 means "allowed in, but the form was incomplete" (no 500, no change).
"""
from __future__ import annotations

import pytest

from helpers import csrf_from

ANON, ANALYST, MODERATOR, ADMIN = "anonymous", "analyst", "moderator", "admin"
ALL_STAFF = {ANON: 302, ANALYST: 200, MODERATOR: 200, ADMIN: 200}
EDITORS_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 200, ADMIN: 200}
ADMIN_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 200}

ROUTES = [
    ("GET", "/staff/", ALL_STAFF),
    ("GET", "/staff/password", ALL_STAFF),
    ("GET", "/staff/audit/", ADMIN_ONLY),
    ("GET", "/staff/outbox/", ADMIN_ONLY),
    ("POST", "/staff/outbox/999999/retry", {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 404}),
    ("POST", "/staff/logout", {ANON: 302, ANALYST: 302, MODERATOR: 302, ADMIN: 302}),
]


@pytest.mark.parametrize(("method", "url", "expected"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
@pytest.mark.parametrize("role", [ANON, ANALYST, MODERATOR, ADMIN])
def test_role_matrix(seeded, staff, login_as, app, method, url, expected, role):
    client = app.test_client() if role == ANON else login_as(role)
    if method == "GET":
        response = client.get(url)
    else:
        token_page = "/staff/login" if role == ANON else "/staff/password"
        token = csrf_from(client.get(token_page).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if response.status_code == 302 and role == ANON:
        assert "/staff/login" in response.headers["Location"]
