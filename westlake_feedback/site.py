"""Cross-cutting pages: language switch, health check, error pages, security headers."""
from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from .extensions import db, limiter
from .i18n import LANG_COOKIE

bp = Blueprint("site", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


@bp.get("/lang/<code>")
def switch_language(code: str):
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = url_for("consultations.index")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.after_app_request
def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def retry_after_minutes() -> int:
    """Whole minutes until the limit this request broke lets it through again (at least 1)."""
    breached = limiter.current_limit
    seconds = int(breached.reset_at - time.time()) if breached is not None else 60
    return max(1, math.ceil(seconds / 60))


def _error_page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _error_page(400, _("页面已过期"), _("表单安全校验未通过(页面可能已过期)。请返回上一页,刷新后重新提交。"))

    @app.errorhandler(400)
    def bad_request(_error):
        return _error_page(400, _("请求有误"), _("提交的内容无法识别,请返回上一页重试。"))

    @app.errorhandler(403)
    def forbidden(error):
        description = getattr(error, "description", None)
        custom = description if isinstance(description, str) and not description.startswith("You don") else None
        return _error_page(403, _("无法完成操作"), custom or _("您没有权限访问此页面。"))

    @app.errorhandler(404)
    def not_found(_error):
        if request.path.startswith("/api/"):
            return {"error": "not_found"}, 404
        return _error_page(404, _("页面不存在"), _("您访问的页面不存在,可能链接有误或已被移除。"))

    @app.errorhandler(413)
    def too_large(_error):
        return _error_page(413, _("内容过大"), _("提交的内容超过了大小限制。"))

    @app.errorhandler(429)
    def too_many(_error):
        if request.path.startswith("/api/"):
            return {"error": "too_many_requests"}, 429
        return _error_page(429, _("操作过于频繁"),
                           _("您的操作过于频繁,请%(minutes)d分钟后再试。", minutes=retry_after_minutes()))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return _error_page(500, _("服务器错误"), _("服务器暂时无法处理您的请求,请稍后再试。"))
