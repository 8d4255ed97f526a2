"""Every staff route x anonymous/analyst/moderator/admin -> the expected status.

Add a row for every new staff route. GET rows expect the page; POST rows send an empty form with
a valid CSRF token, so 400 means "allowed in, but the form was incomplete" (no 500, no change), and
303 an action that needs no input. `{comment}` in a URL is a pending comment on clause 12 of the demo.
"""
from __future__ import annotations

import pytest

from helpers import csrf_from, make_comment

ANON, ANALYST, MODERATOR, ADMIN = "anonymous", "analyst", "moderator", "admin"
ALL_STAFF = {ANON: 302, ANALYST: 200, MODERATOR: 200, ADMIN: 200}
EDITORS_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 200, ADMIN: 200}
ADMIN_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 200}
EDITORS_POST_INVALID = {ANON: 302, ANALYST: 403, MODERATOR: 400, ADMIN: 400}
EDITORS_POST_DONE = {ANON: 302, ANALYST: 403, MODERATOR: 303, ADMIN: 303}
ADMIN_POST_INVALID = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 400}

ROUTES = [
    ("GET", "/staff/", ALL_STAFF),
    ("GET", "/staff/password", ALL_STAFF),
    ("GET", "/staff/audit/", ADMIN_ONLY),
    ("POST", "/staff/logout", {ANON: 302, ANALYST: 302, MODERATOR: 302, ADMIN: 302}),
    # moderation
    ("GET", "/staff/c/xihu-2023-demo/comments", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/comments/bulk", EDITORS_POST_INVALID),
    ("GET", "/staff/c/xihu-2023-demo/visibility", ADMIN_ONLY),
    ("POST", "/staff/c/xihu-2023-demo/visibility", ADMIN_POST_INVALID),
    ("GET", "/staff/comments/{comment}", ALL_STAFF),
    ("POST", "/staff/comments/{comment}/approve", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/reject", EDITORS_POST_INVALID),
    ("POST", "/staff/comments/{comment}/spam", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/redact", EDITORS_POST_INVALID),
    ("POST", "/staff/comments/{comment}/restore", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/decision", EDITORS_POST_INVALID),
    ("GET", "/staff/c/xihu-2023-demo/clauses/12/response", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/clauses/12/response", EDITORS_POST_DONE),
]


@pytest.mark.parametrize(("method", "url", "expected"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
@pytest.mark.parametrize("role", [ANON, ANALYST, MODERATOR, ADMIN])
def test_role_matrix(seeded, staff, login_as, app, method, url, expected, role):
    with app.app_context():
        url = url.format(comment=make_comment(clause=12))
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
