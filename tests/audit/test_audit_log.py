from __future__ import annotations

from sqlalchemy import select

from helpers import STAFF_EMAILS, login
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.audit.services import record
from westlake_feedback.extensions import db


def test_admin_sees_and_filters_the_audit_log(app, staff, login_as):
    login(app.test_client(), STAFF_EMAILS["analyst"], "wrong-password-x")
    admin = login_as("admin")
    html = admin.get("/staff/audit/").get_data(as_text=True)
    assert "登录失败" in html and STAFF_EMAILS["analyst"] in html and "登录" in html
    only_failures = admin.get("/staff/audit/?action=login_failed").get_data(as_text=True)
    assert "共1条记录" in only_failures
    by_actor = admin.get("/staff/audit/?actor=moderator").get_data(as_text=True)
    assert "共0条记录" in by_actor
    assert admin.get("/staff/audit/?since=not-a-date&page=999").status_code == 200


def test_changes_are_stored_as_json(app, ctx):
    record("setting_change", target_type="consultations", target_id=1, summary="x",
           changes={"show_approved_comments": [True, False]}, actor_email="cli")
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.changes == '{"show_approved_comments": [true, false]}'


def test_no_route_edits_or_deletes_audit_entries(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
