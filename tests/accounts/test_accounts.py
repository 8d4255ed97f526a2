from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from helpers import STAFF_EMAILS, STAFF_PASSWORD, csrf_from, login
from westlake_feedback.accounts.models import User
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.extensions import db


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_cli_creates_user_with_argon2id_and_refuses_weak_passwords(app, runner):
    weak = runner.invoke(args=["users", "create", "a@xihu.example", "--role", "admin"], input="password1\npassword1\n")
    assert weak.exit_code != 0 and "密码" in weak.output
    ok = runner.invoke(args=["users", "create", "A@Xihu.example", "--role", "admin"],
                       input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "a@xihu.example" and user.role == "admin"
        assert user.password_hash.startswith("$argon2id$")
    assert runner.invoke(args=["users", "create", "a@xihu.example", "--role", "admin"],
                         input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n").exit_code != 0
    assert runner.invoke(args=["users", "create", "b@xihu.example", "--role", "boss"],
                         input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n").exit_code != 0


def test_login_logout_and_generic_error(app, client, staff):
    wrong = login(client, STAFF_EMAILS["moderator"], "nope-nope-nope")
    unknown = login(client, "nobody@xihu.example", "nope-nope-nope")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "邮箱或密码不正确,或账户暂时被锁定。" in response.get_data(as_text=True)
    assert login(client, STAFF_EMAILS["moderator"]).status_code == 302
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/").get_data(as_text=True)
    assert client.post("/staff/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/staff/").status_code == 302
    assert actions(app)[-4:] == ["login_failed", "login_failed", "login", "logout"]


def test_staff_pages_redirect_anonymous_to_login(client, staff):
    response = client.get("/staff/audit/")
    assert response.status_code == 302 and "/staff/login?next=" in response.headers["Location"]


def test_login_refuses_offsite_next(client, staff):
    page = client.get("/staff/login?next=//evil.example/x")
    response = client.post("/staff/login?next=//evil.example/x", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": STAFF_EMAILS["admin"],
        "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/staff/"


def test_login_without_csrf_is_refused(client, staff):
    response = client.post("/staff/login", data={"email": STAFF_EMAILS["admin"], "password": STAFF_PASSWORD})
    assert response.status_code == 400


def test_ten_failures_in_15_minutes_lock_for_15_minutes(app, client, staff):
    start = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    email = STAFF_EMAILS["moderator"]
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            assert login(client, email, "wrong-password-1").status_code == 400
        # Locked: even the right password is refused, with the same generic message.
        assert login(client, email, STAFF_PASSWORD).status_code == 400
    assert "lockout" in actions(app)
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        assert login(client, email, STAFF_PASSWORD).status_code == 400
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert login(client, email, STAFF_PASSWORD).status_code == 302


def test_failures_spread_over_more_than_15_minutes_do_not_lock(app, client, staff):
    start = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    email = STAFF_EMAILS["analyst"]
    for minute in range(0, 20, 2):  # ten failures over 18 minutes
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            login(client, email, "wrong-password-1")
    with time_machine.travel(start + timedelta(minutes=19), tick=False):
        assert login(client, email, STAFF_PASSWORD).status_code == 302
    assert "lockout" not in actions(app)


def test_login_is_rate_limited_per_ip(app_factory, staff):
    limited = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [login(client, "nobody@xihu.example", "x" * 12).status_code for _ in range(4)]
    assert codes[:3] == [400, 400, 400] and codes[3] == 429
    assert "操作过于频繁" in login(client, "nobody@xihu.example", "x" * 12).get_data(as_text=True)


def test_idle_for_30_minutes_logs_out(client, staff):
    start = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        login(client, STAFF_EMAILS["admin"])
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/staff/").status_code == 200  # 29 minutes after the last request
    with time_machine.travel(start + timedelta(minutes=88, seconds=1), tick=False):
        response = client.get("/staff/")
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_session_cookie_flags(app, client, staff):
    response = login(client, STAFF_EMAILS["admin"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.__class__  # noqa: F841  (Secure is configured with WESTLAKE_SESSION_COOKIE_SECURE)


def test_change_password_rotates_other_sessions(app, staff, login_as):
    first = login_as("moderator")
    second = login_as("moderator")
    page = first.get("/staff/password").get_data(as_text=True)
    weak = first.post("/staff/password", data={"csrf_token": csrf_from(page), "current": STAFF_PASSWORD,
                                               "new": "short", "confirm": "short"})
    assert weak.status_code == 400 and "密码至少需要10个字符" in weak.get_data(as_text=True)
    wrong = first.post("/staff/password", data={"csrf_token": csrf_from(page), "current": "not-it-at-all",
                                                "new": "N3w-Strong-Passw0rd", "confirm": "N3w-Strong-Passw0rd"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    ok = first.post("/staff/password", data={"csrf_token": csrf_from(page), "current": STAFF_PASSWORD,
                                             "new": "N3w-Strong-Passw0rd", "confirm": "N3w-Strong-Passw0rd"})
    assert ok.status_code == 302
    assert first.get("/staff/").status_code == 200  # this session stays signed in
    assert second.get("/staff/").status_code == 302  # the other one is signed out
    assert "password_change" in actions(app)


def test_disabled_user_cannot_log_in_and_is_signed_out(app, runner, staff, login_as):
    client = login_as("analyst")
    assert runner.invoke(args=["users", "disable", STAFF_EMAILS["analyst"]]).exit_code == 0
    assert client.get("/staff/").status_code == 302
    assert login(app.test_client(), STAFF_EMAILS["analyst"]).status_code == 400
    assert runner.invoke(args=["users", "set-password", STAFF_EMAILS["analyst"]],
                         input="Another-Strong-1\nAnother-Strong-1\n").exit_code == 0
    assert "user_change" in actions(app) and "password_change" in actions(app)


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(app, staff):
    email = STAFF_EMAILS["moderator"]
    outsider = client_from(app, "203.0.113.66")
    for _ in range(12):
        assert login(outsider, email, "guessing-123").status_code == 400
    assert login(outsider, email, STAFF_PASSWORD).status_code == 400  # locked from that address
    assert "lockout" in actions(app)
    office = client_from(app, "10.20.30.40")
    assert login(office, email, STAFF_PASSWORD).status_code == 302  # the office still gets in
    # ...and the office's success does not lift the outsider's lock.
    assert login(client_from(app, "203.0.113.66"), email, STAFF_PASSWORD).status_code == 400


def test_lockout_counts_the_real_client_behind_the_proxy(app_factory, staff):
    app = app_factory(TRUSTED_PROXIES=1)
    email = STAFF_EMAILS["admin"]
    outsider, office = app.test_client(), app.test_client()
    outsider.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    office.environ_base["HTTP_X_FORWARDED_FOR"] = "10.20.30.40"
    for _ in range(10):
        login(outsider, email, "guessing-123")
    assert login(outsider, email, STAFF_PASSWORD).status_code == 400
    assert login(office, email, STAFF_PASSWORD).status_code == 302
