"""Login wiring and role checks for staff pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import wraps

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy import select

from ..extensions import db, login_manager
from ..timeutil import now_utc
from .models import Role, User

IDLE_TIMEOUT = timedelta(minutes=30)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录工作人员账户。")
    login_manager.login_message_category = "error"
    login_manager.session_protection = "basic"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", IDLE_TIMEOUT)

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        user_id, _, session_token = token.partition(":")
        if not user_id.isdigit() or not session_token:
            return None
        return db.session.scalar(
            select(User).where(User.id == int(user_id), User.session_token == session_token, User.active.is_(True))
        )

    @app.before_request
    def idle_logout():
        if not current_user.is_authenticated:
            return None
        now = now_utc()
        last_seen = session.get("last_seen")
        if last_seen is not None and now - datetime.fromtimestamp(last_seen, timezone.utc) > IDLE_TIMEOUT:
            logout_user()
            session.pop("last_seen", None)
            flash(_l("您已超过30分钟未操作,为保护数据已自动退出,请重新登录。"), "error")
            return redirect(url_for("accounts.login", next=request.path))
        session["last_seen"] = now.timestamp()
        session.permanent = True
        return None

    @app.after_request
    def no_store_for_staff(response):
        if request.path.startswith("/staff"):
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Robots-Tag"] = "noindex"
        return response


def roles_required(*roles: Role | str):
    """Anonymous: redirect to login. Signed in with another role: 403."""
    allowed = {Role(r).value for r in roles}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF = (Role.ADMIN, Role.MODERATOR, Role.ANALYST)
EDITORS = (Role.ADMIN, Role.MODERATOR)
ADMINS = (Role.ADMIN,)
