"""Server-side staff sessions.

Flask's session is a signed cookie that the server cannot take back. So the cookie only carries a
random token naming a `staff_sessions` row; the user loader accepts it while that row is neither
revoked nor idle. Logging out revokes the row, a password change or disabling an account revokes
all of the user's rows: every copy of the cookie stops working at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import g, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update

from ..extensions import db
from ..timeutil import now_utc
from .models import StaffSession, User

SESSION_KEY = "staff_session"
IDLE_TIMEOUT = timedelta(minutes=30)
# last_seen_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)
# Revoked and idle rows are deleted at the next login after this.
KEEP_ENDED = timedelta(days=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, at: datetime | None = None) -> None:
    """Sign `user` in with a fresh session (caller commits). Everything that was in the cookie
    before (a planted or stale value, an old token) is dropped: no session fixation."""
    at = at or now_utc()
    db.session.execute(
        delete(StaffSession).where(StaffSession.last_seen_at < at - KEEP_ENDED)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_digest(token), user_id=user.id, created_at=at, last_seen_at=at))
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True
    login_user(user)


def end_session(at: datetime | None = None) -> None:
    """Revoke the session of this request and empty the cookie (caller commits)."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _digest(token), StaffSession.revoked_at.is_(None))
            .values(revoked_at=at or now_utc())
        )
    logout_user()
    session.clear()


def revoke_all(user: User, at: datetime | None = None) -> None:
    """End every session of `user` (password change, disabled account); caller commits."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=at or now_utc())
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user whose live session this cookie names, or None.
    A session idle for longer than IDLE_TIMEOUT is revoked and `g.staff_session_idle` set."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    row = db.session.execute(
        select(StaffSession.id, StaffSession.last_seen_at, User)
        .join(User, User.id == StaffSession.user_id)
        .where(
            StaffSession.token_hash == _digest(token),
            StaffSession.user_id == int(user_id),
            StaffSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    session_id, last_seen, user = row
    now = now_utc()
    if now - last_seen > IDLE_TIMEOUT:
        _write(update(StaffSession).where(StaffSession.id == session_id).values(revoked_at=now))
        g.staff_session_idle = True
        return None
    if now - last_seen >= TOUCH_INTERVAL:
        _write(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now))
    return user


def _write(statement) -> None:
    """Commit a bookkeeping write on its own connection: the request's transaction (and the
    objects it has loaded) stay untouched, and the write stands whatever the view does next."""
    with db.engine.begin() as connection:
        connection.execute(statement)
