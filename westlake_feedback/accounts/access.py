"""Login wiring and role checks for staff pages."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from ..extensions import login_manager
from .models import Role
from .sessions import IDLE_TIMEOUT, load_user


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录工作人员账户。")
    login_manager.login_message_category = "error"
    login_manager.session_protection = "basic"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", IDLE_TIMEOUT)

    login_manager.user_loader(load_user)

    @app.before_request
    def idle_logout():
        if current_user.is_authenticated or not g.pop("staff_session_idle", False):
            return None
        logout_user()
        session.clear()
        flash(_l("您已超过30分钟未操作,为保护数据已自动退出,请重新登录。"), "error")
        return redirect(url_for("accounts.login", next=request.path))

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
