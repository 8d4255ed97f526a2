from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import record
from ..extensions import db, limiter
from . import bp
from .access import STAFF, roles_required
from .forms import ChangePasswordForm, LoginForm
from .passwords import password_problems
from .services import AccountError, LoginRefused, authenticate, change_own_password
from .sessions import end_session, start_session


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("moderation.index")


@bp.route("/login", methods=["GET", "POST"])
# Counts failed attempts only: an office behind one address may sign in as often as it needs.
@limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, address=request.remote_addr)
        except LoginRefused:
            db.session.commit()  # keep the failure count and the audit entry
            form.password.errors.append(_("邮箱或密码不正确,或账户暂时被锁定。"))
        else:
            start_session(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@roles_required(*STAFF)
def logout():
    record("logout")
    end_session()
    db.session.commit()
    flash(_("您已安全退出。"), "success")
    return redirect(url_for(".login"))


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*STAFF)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.new.data, current_user.email)
        if problems:
            form.new.errors.extend(problems)
        else:
            try:
                user = current_user._get_current_object()
                change_own_password(user, form.current.data, form.new.data)  # ends all of its sessions
            except AccountError:
                form.current.errors.append(_("当前密码不正确。"))
            else:
                start_session(user)  # this browser goes on in a new session
                db.session.commit()
                flash(_("密码已修改,其他设备上的登录已失效。"), "success")
                return redirect(url_for("moderation.index"))
    status = 400 if form.errors else 200
    return render_template("accounts/password.html", form=form), status
