"""Staff sessions end on the server: a copied cookie stops working after logout, a password change
or disabling the account; nothing from before login survives it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from helpers import STAFF_EMAILS, STAFF_PASSWORD, csrf_from, login
from westlake_feedback.extensions import db


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def assert_sent_to_login(response):
    assert response.status_code == 302, response.status_code
    assert "/staff/login" in response.headers["Location"]


def post_logout(client):
    page = client.get("/staff/").get_data(as_text=True)
    return client.post("/staff/logout", data={"csrf_token": csrf_from(page)})


def test_logout_ends_every_copy_of_the_cookie(app, login_as):
    moderator = login_as("moderator")
    thief = copy_of(app, moderator)
    assert thief.get("/staff/").status_code == 200  # the copy works while the session lives
    assert post_logout(moderator).status_code == 302
    assert_sent_to_login(moderator.get("/staff/"))
    assert_sent_to_login(thief.get("/staff/"))
    assert_sent_to_login(thief.get("/staff/audit/"))


def test_logged_out_cookie_replayed_from_before_logout_is_refused(app, login_as):
    moderator = login_as("moderator")
    before_logout = moderator.get_cookie("session").value
    post_logout(moderator)
    replay = app.test_client()
    replay.set_cookie("session", before_logout)
    assert_sent_to_login(replay.get("/staff/"))


def test_password_change_ends_copies_and_keeps_this_browser(app, login_as):
    moderator = login_as("moderator")
    thief = copy_of(app, moderator)
    page = moderator.get("/staff/password").get_data(as_text=True)
    response = moderator.post("/staff/password", data={
        "csrf_token": csrf_from(page), "current": STAFF_PASSWORD,
        "new": "N3w-Strong-Passw0rd", "confirm": "N3w-Strong-Passw0rd"})
    assert response.status_code == 302
    assert moderator.get("/staff/").status_code == 200
    assert_sent_to_login(thief.get("/staff/"))


def test_password_set_by_cli_ends_sessions(app, runner, login_as):
    analyst = login_as("analyst")
    thief = copy_of(app, analyst)
    result = runner.invoke(args=["users", "set-password", STAFF_EMAILS["analyst"]],
                           input="Another-Strong-1\nAnother-Strong-1\n")
    assert result.exit_code == 0, result.output
    assert_sent_to_login(thief.get("/staff/"))
    assert_sent_to_login(analyst.get("/staff/"))


def test_disabling_ends_copies_and_enabling_does_not_revive_them(app, runner, login_as):
    analyst = login_as("analyst")
    thief = copy_of(app, analyst)
    assert runner.invoke(args=["users", "disable", STAFF_EMAILS["analyst"]]).exit_code == 0
    assert_sent_to_login(thief.get("/staff/"))
    assert runner.invoke(args=["users", "enable", STAFF_EMAILS["analyst"]]).exit_code == 0
    assert_sent_to_login(thief.get("/staff/"))
    assert_sent_to_login(analyst.get("/staff/"))


def test_nothing_from_before_login_survives_it(app, client, staff):
    with client.session_transaction() as planted:
        planted["planted"] = "set by someone else before the login"
        planted["staff_session"] = "a token chosen by an attacker"
    assert login(client, STAFF_EMAILS["admin"]).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["staff_session"] != "a token chosen by an attacker"
    assert client.get("/staff/").status_code == 200


def test_idle_session_is_revoked_on_the_server(app, login_as):
    start = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        admin = login_as("admin")
        thief = copy_of(app, admin)
    with time_machine.travel(start + timedelta(minutes=30, seconds=1), tick=False):
        response = admin.get("/staff/")
        assert_sent_to_login(response)
        assert "next=" in response.headers["Location"]
        assert "自动退出" in admin.get(response.headers["Location"]).get_data(as_text=True)
    with time_machine.travel(start + timedelta(minutes=30, seconds=2), tick=False):
        assert_sent_to_login(thief.get("/staff/"))  # revoked, not merely expired in one cookie
    from westlake_feedback.accounts.models import StaffSession

    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(StaffSession).where(StaffSession.revoked_at.is_(None))
        ) == 0
