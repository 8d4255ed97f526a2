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
