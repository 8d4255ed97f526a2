"""Helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import re


def seed(app) -> None:
    """The Xihu seed (real 2023 window) and the demo copy (open for 8 days from now)."""
    from westlake_feedback.consultations.services import SEED_PATH, demo_window, import_draft, read_draft_file

    with app.app_context():
        parsed = read_draft_file(SEED_PATH)
        import_draft(parsed, slug="xihu-2023", is_demo=False)
        opens, closes = demo_window()
        import_draft(parsed, slug="xihu-2023-demo", opens_at=opens, closes_at=closes, is_demo=True)


def form_tokens(html: str) -> dict[str, str]:
    found = {}
    for match in re.finditer(r"<input[^>]*>", html):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) in ("csrf_token", "token") and value:
            found[name.group(1)] = value.group(1)
    return found


def valid_comment(**overrides) -> dict[str, str]:
    data = {
        "stance": "amend",
        "body": "建议明确资金拨付的时间节点和申请流程。",
        "identity_type": "individual",
        "name": "张三",
        "organisation": "",
        "phone": "13812345678",
        "email": "zhang@example.com",
        "consent": "y",
        "website": "",
    }
    data.update(overrides)
    return data


STAFF_PASSWORD = "Westlake-Test-2023!"
STAFF_EMAILS = {
    "admin": "admin@xihu.example",
    "moderator": "moderator@xihu.example",
    "analyst": "analyst@xihu.example",
}


def create_staff(app) -> dict[str, str]:
    from westlake_feedback.accounts.services import create_user
    from westlake_feedback.extensions import db

    with app.app_context():
        for role, email in STAFF_EMAILS.items():
            create_user(email, role, STAFF_PASSWORD)
        db.session.commit()
    return dict(STAFF_EMAILS)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no csrf_token in page"
    return match.group(1)


def login(client, email: str, password: str = STAFF_PASSWORD):
    page = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
                              "password": password}
    )
