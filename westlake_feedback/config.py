"""Defaults. Deployment settings come from WESTLAKE_* environment variables (see README)."""
from __future__ import annotations


class Config:
    # SQLALCHEMY_DATABASE_URI is filled in by create_app(): WESTLAKE_DATABASE_URL or
    # a SQLite file in the instance folder.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    RECEIPT_PREFIX = "XH"
    # Until moderation lands, a demo may publish comments at once.
    AUTO_APPROVE_COMMENTS = False
    COMMENTS_PER_PAGE = 20
    WTF_CSRF_TIME_LIMIT = None  # the form token is tied to the session, not a stopwatch
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # WESTLAKE_SESSION_COOKIE_SECURE=true behind HTTPS
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    COMMENT_RATE_LIMIT = "20 per 10 minutes"
    LOGIN_RATE_LIMIT = "20 per 15 minutes"
    API_RATE_LIMIT = "120 per minute"
    API_CORS_ORIGINS: list[str] = []  # CORS is off unless origins are listed
    PRIVACY_RETENTION_YEARS = 3
    INTAKE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # scans of letters: PDF, JPEG or PNG
