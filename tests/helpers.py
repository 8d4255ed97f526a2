"""Helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import re
import socket


# Set by conftest.py: replays the rows of seed() and create_staff() on the test database (dbstate.py).
ROW_CACHE = None


def _build(name: str, app, builder) -> None:
    if ROW_CACHE is not None and ROW_CACHE.applies_to(app):
        ROW_CACHE.build(name, app, builder)
    else:
        with app.app_context():
            builder()


_PARSED_SEED = None


def seed_draft():
    """The seed draft, parsed once per session (import_draft does not change it)."""
    global _PARSED_SEED
    from westlake_feedback.consultations.services import SEED_PATH, read_draft_file

    if _PARSED_SEED is None:
        _PARSED_SEED = read_draft_file(SEED_PATH)
    return _PARSED_SEED


def seed(app) -> None:
    """The Xihu seed (real 2023 window) and the demo copy (open for 8 days from now)."""

    def build():
        from westlake_feedback.consultations.services import demo_window, import_draft

        parsed = seed_draft()
        import_draft(parsed, slug="xihu-2023", is_demo=False)
        opens, closes = demo_window()
        import_draft(parsed, slug="xihu-2023-demo", opens_at=opens, closes_at=closes, is_demo=True)

    _build("seed", app, build)


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
    def build():
        from westlake_feedback.accounts.services import create_user
        from westlake_feedback.extensions import db

        for role, email in STAFF_EMAILS.items():
            create_user(email, role, STAFF_PASSWORD)
        db.session.commit()

    _build("staff", app, build)
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


def comment_on(slug: str, clause_number: int | None = None, *, at=None, honeypot: str = "", **fields):
    """Submit a web comment through the service (in an app context), as the form view does."""
    import secrets

    from sqlalchemy import select

    from westlake_feedback.comments.services import CommentInput, submit_comment
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    clause = None
    if clause_number is not None:
        clause = db.session.scalar(
            select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == clause_number)
        )
    data = valid_comment(**fields)
    return submit_comment(
        consultation,
        clause,
        CommentInput(
            stance=data["stance"], body=data["body"], identity_type=data["identity_type"], name=data["name"],
            organisation=data["organisation"], phone=data["phone"], email=data["email"],
            token=secrets.token_urlsafe(24), honeypot=honeypot,
        ),
        at=at,
    )


def outbox_rows(kind: str | None = None):
    from sqlalchemy import select

    from westlake_feedback.extensions import db
    from westlake_feedback.mail.models import OutboxMessage

    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def rendered_outbox_rows(kind: str | None = None):
    """outbox_rows() after the worker's step that writes the receipts' text (committed)."""
    from westlake_feedback.extensions import db
    from westlake_feedback.mail.commenters import render_receipts

    rows = outbox_rows(kind)
    assert render_receipts(rows) == []
    db.session.commit()
    return rows


def text_and_html(message) -> tuple[str, str]:
    """The decoded plain-text and HTML parts of a parsed email.message.EmailMessage."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both parts expected"
    return text.get_content(), html.get_content()


def local(text: str):
    """An aware datetime from 'YYYY-MM-DD HH:MM[:SS]' in Asia/Shanghai."""
    from datetime import datetime

    from westlake_feedback.timeutil import LOCAL_TZ

    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def seed_before_window(app, demo: bool = True) -> None:
    """The seed as if imported on 2023-03-10, before the Xihu window (15-22 March 2023) opened;
    the demo copy (if wanted) is then open from 10 to 18 March 2023."""
    import time_machine

    from westlake_feedback.consultations.services import import_draft

    with time_machine.travel(local("2023-03-10 09:00"), tick=False):
        if demo:
            seed(app)
        else:
            with app.app_context():
                import_draft(seed_draft(), slug="xihu-2023", is_demo=False)


def consultation(slug: str = "xihu-2023"):
    from sqlalchemy import select

    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db

    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))
def make_comment(slug: str = "xihu-2023-demo", clause: int | None = None, **fields) -> int:
    """Store a comment directly (inside an app context) and return its id.

    Fields default to a pending web comment on the given clause number (None: the whole draft);
    `created_at` takes an aware datetime.
    """
    from flask import current_app
    from sqlalchemy import select

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.comments.receipts import new_receipt_code
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.timeutil import now_utc

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    values = {
        "stance": "amend", "body": "建议明确资金拨付的时间节点。", "identity_type": "individual",
        "channel": "web", "status": "pending", "created_at": now_utc(),
    }
    values.update(fields)
    if clause is not None:
        values["clause"] = db.session.scalar(
            select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == clause)
        )
    comment = Comment(consultation=consultation, receipt_code=new_receipt_code(current_app.config["RECEIPT_PREFIX"]),
                      **values)
    db.session.add(comment)
    db.session.commit()
    return comment.id


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
