"""Every staff route x anonymous/analyst/moderator/admin -> the expected status.

Add a row for every new staff route. GET rows expect the page; POST rows send an empty form with
a valid CSRF token, so 400 means "allowed in, but the form was incomplete" (no 500, no change), and
303 an action that needs no input. `{comment}` in a URL is a pending comment on clause 12 of the demo.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from helpers import STAFF_EMAILS, create_staff, csrf_from, login, seed

ANON, ANALYST, MODERATOR, ADMIN = "anonymous", "analyst", "moderator", "admin"
ALL_STAFF = {ANON: 302, ANALYST: 200, MODERATOR: 200, ADMIN: 200}
EDITORS_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 200, ADMIN: 200}
ADMIN_ONLY = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 200}
EDITORS_POST_INVALID = {ANON: 302, ANALYST: 403, MODERATOR: 400, ADMIN: 400}
EDITORS_POST_DONE = {ANON: 302, ANALYST: 403, MODERATOR: 303, ADMIN: 303}
ADMIN_POST_INVALID = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 400}

EDITORS_FORM = {ANON: 302, ANALYST: 403, MODERATOR: 400, ADMIN: 400}
ADMIN_FORM = {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 400}

# {comment} and {attachment} are filled in with an offline opinion (and its original) made per test.
ROUTES = [
    # reports
    ("GET", "/staff/c/xihu-2023-demo/reports", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/reports", EDITORS_POST_DONE),
    ("GET", "/staff/reports/999999.docx", {ANON: 302, ANALYST: 404, MODERATOR: 404, ADMIN: 404}),
    ("GET", "/staff/", ALL_STAFF),
    ("GET", "/staff/password", ALL_STAFF),
    ("GET", "/staff/audit/", ADMIN_ONLY),
    ("GET", "/staff/outbox/", ADMIN_ONLY),
    ("POST", "/staff/outbox/999999/retry", {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 404}),
    ("POST", "/staff/logout", {ANON: 302, ANALYST: 302, MODERATOR: 302, ADMIN: 302}),
    # Offline intake
    ("GET", "/staff/intake/", EDITORS_ONLY),
    ("GET", "/staff/intake/xihu-2023-demo/new", EDITORS_ONLY),
    ("POST", "/staff/intake/xihu-2023-demo/new", EDITORS_FORM),
    ("GET", "/staff/intake/entries/{comment}", EDITORS_ONLY),
    ("GET", "/staff/intake/attachments/{attachment}", EDITORS_ONLY),
    # Consultation management (a refused action re-renders with 400 and changes nothing)
    ("GET", "/staff/consultations/", ADMIN_ONLY),
    ("GET", "/staff/consultations/new", ADMIN_ONLY),
    ("POST", "/staff/consultations/new", ADMIN_FORM),
    ("POST", "/staff/consultations/create", ADMIN_FORM),
    ("GET", "/staff/consultations/xihu-2023-demo", ADMIN_ONLY),
    ("GET", "/staff/consultations/xihu-2023-demo/preview", ADMIN_ONLY),
    ("POST", "/staff/consultations/xihu-2023-demo/publish", ADMIN_FORM),  # already published
    ("POST", "/staff/consultations/xihu-2023/close", ADMIN_FORM),  # already closed
    ("POST", "/staff/consultations/xihu-2023-demo/archive", ADMIN_FORM),  # still open
    ("POST", "/staff/consultations/xihu-2023-demo/window", ADMIN_FORM),
    # Redraft rounds (round 1 has no alignment; it is already published)
    ("GET", "/staff/consultations/xihu-2023-demo/rounds", ADMIN_ONLY),
    ("POST", "/staff/consultations/xihu-2023-demo/rounds", ADMIN_FORM),
    ("GET", "/staff/consultations/xihu-2023-demo/rounds/1/alignment", {ANON: 302, ANALYST: 403, MODERATOR: 403, ADMIN: 404}),
    ("POST", "/staff/consultations/xihu-2023-demo/rounds/1/alignment", ADMIN_FORM),
    ("POST", "/staff/consultations/xihu-2023-demo/rounds/1/publish", ADMIN_FORM),
    ("GET", "/staff/consultations/xihu-2023-demo/rounds/1/clauses/12", ALL_STAFF),
    # Published feedback (publishing while open and unpublishing what is not published are refused)
    ("GET", "/staff/consultations/xihu-2023/feedback", ADMIN_ONLY),
    ("GET", "/staff/consultations/xihu-2023-demo/feedback", ADMIN_ONLY),
    ("POST", "/staff/consultations/xihu-2023-demo/feedback", ADMIN_FORM),  # still open
    ("POST", "/staff/consultations/xihu-2023/feedback/unpublish", ADMIN_FORM),  # not published
    # moderation
    ("GET", "/staff/c/xihu-2023-demo/comments", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/comments/bulk", EDITORS_POST_INVALID),
    ("GET", "/staff/c/xihu-2023-demo/visibility", ADMIN_ONLY),
    ("GET", "/staff/c/xihu-2023-demo/clauses", ALL_STAFF),  # the clause list of the 条款答复 tab
    ("GET", "/staff/c/xihu-2023-demo/exports", ALL_STAFF),  # the 导出 tab
    # clusters of similar comments (the letter is a cluster of one: its id is the cluster's)
    ("GET", "/staff/c/xihu-2023-demo/clusters", ALL_STAFF),
    ("GET", "/staff/c/xihu-2023-demo/clusters/{comment}", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/clusters/{comment}/apply", EDITORS_POST_INVALID),
    ("POST", "/staff/c/xihu-2023-demo/clusters/{comment}/apply-rest", EDITORS_POST_DONE),  # undecided: a message
    # exports (analysts too, with masked contact details)
    ("GET", "/staff/c/xihu-2023-demo/export.csv", ALL_STAFF),
    ("GET", "/staff/c/xihu-2023-demo/export.xlsx", ALL_STAFF),
    ("GET", "/staff/c/xihu-2023-demo/export.json", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/visibility", ADMIN_POST_INVALID),
    ("GET", "/staff/comments/{comment}", ALL_STAFF),
    ("POST", "/staff/comments/{comment}/approve", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/reject", EDITORS_POST_INVALID),
    ("POST", "/staff/comments/{comment}/spam", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/redact", EDITORS_POST_INVALID),
    ("POST", "/staff/comments/{comment}/restore", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/withdraw-name", EDITORS_POST_DONE),
    ("POST", "/staff/comments/{comment}/decision", EDITORS_POST_INVALID),
    ("GET", "/staff/c/xihu-2023-demo/clauses/12/response", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/clauses/12/response", EDITORS_POST_DONE),
    # tags: the codebook (all staff read it, admins edit it), tagging (editors)
    ("GET", "/staff/c/xihu-2023-demo/tags", ALL_STAFF),
    ("POST", "/staff/c/xihu-2023-demo/tags", ADMIN_POST_INVALID),  # no name
    ("GET", "/staff/c/xihu-2023-demo/tags/{tag}", ADMIN_ONLY),
    ("POST", "/staff/c/xihu-2023-demo/tags/{tag}", ADMIN_POST_INVALID),  # no name
    ("POST", "/staff/c/xihu-2023-demo/tags/{tag}/delete", ADMIN_POST_INVALID),  # not confirmed
    ("POST", "/staff/comments/{comment}/tags", EDITORS_POST_DONE),  # no tags ticked: nothing changes
    ("POST", "/staff/c/xihu-2023-demo/comments/bulk-tags", EDITORS_POST_INVALID),
]


@dataclass
class Signed:
    """The state every case starts from, built once per module: the seed, the staff, an offline
    letter, and one signed-in session per role (cookie and a CSRF token of that session)."""

    made: dict[str, int]
    sessions: dict[str, tuple[str, str]]
    rows: object  # dbstate.Recording, written back before each case


def make_letter(app) -> dict[str, int]:
    """An offline letter with a PDF original, recorded by the moderator."""
    from sqlalchemy import select

    from intake_helpers import make_pdf
    from westlake_feedback.accounts.services import user_by_email
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.intake.services import OfflineInput, record_offline_comment
    from westlake_feedback.intake.uploads import InspectedUpload
    from westlake_feedback.timeutil import now_utc, to_local

    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        comment = record_offline_comment(
            consultation,
            OfflineInput(channel="letter", received_on=to_local(now_utc()).date(), stance="support",
                         body="来信支持。", identity_type="individual", phone="13900001111"),
            InspectedUpload(make_pdf(), "scan.pdf", "application/pdf", "pdf"),
            by=user_by_email(STAFF_EMAILS[MODERATOR]),
        )
        from westlake_feedback.tags.models import Tag

        tag = Tag(consultation_id=consultation.id, name="资金", description="")
        db.session.add(tag)
        db.session.commit()
        return {"comment": comment.id, "attachment": comment.attachments[0].id, "tag": tag.id}


@pytest.fixture(scope="module")
def signed(session_db) -> Signed:
    app = session_db.shared_app()
    seed(app)
    create_staff(app)
    made = make_letter(app)
    sessions = {}
    for role in (ANON, ANALYST, MODERATOR, ADMIN):
        client = app.test_client()
        if role != ANON:
            response = login(client, STAFF_EMAILS[role])
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        token_page = "/staff/login" if role == ANON else "/staff/password"
        token = csrf_from(client.get(token_page).get_data(as_text=True))
        sessions[role] = (client.get_cookie("session").value, token)
    rows = session_db.record()
    session_db.empty()
    return Signed(made, sessions, rows)


@pytest.mark.parametrize(("method", "url", "expected"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
@pytest.mark.parametrize("role", [ANON, ANALYST, MODERATOR, ADMIN])
def test_role_matrix(signed, session_db, app, method, url, expected, role):
    session_db.replay(signed.rows)  # each case starts from the same rows, whatever the last one did
    url = url.format(**signed.made)
    cookie, token = signed.sessions[role]
    client = app.test_client()
    client.set_cookie("session", cookie)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if response.status_code == 302 and role == ANON:
        assert "/staff/login" in response.headers["Location"]
