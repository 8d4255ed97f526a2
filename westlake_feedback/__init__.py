"""westlake-feedback: public-consultation feedback collector."""
from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix
from sqlalchemy.engine import Engine

from . import sqlite_writes
from .config import Config
from .sqlite_writes import SerialWriteConnection
from .inputs import init_inputs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("WESTLAKE_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env("WESTLAKE")
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _finish_config(app)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only the last `proxies` hops of X-Forwarded-For are believed; a client's own header is not.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    register_extensions(app)
    init_inputs(app)  # before the blueprints: routes take their converters when they are added
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    from .overload import init_overload

    init_overload(app)  # outermost: a shed request costs no session, database or view
    return app


def _finish_config(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
            f"sqlite:///{instance / 'westlake.sqlite3'}"
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    from .ratelimit import storage_uri  # also registers the database:// rate-limit storage

    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config)
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ValueError(f"WESTLAKE_TRUSTED_PROXIES must be a whole number of proxies, not {proxies!r}")
    app.config["TRUSTED_PROXIES"] = proxies
    from .clusters.services import check_threshold

    check_threshold(app.config)  # a bad WESTLAKE_CLUSTER_THRESHOLD stops the start, not each comment
    for key in ("MAIL_USERNAME", "MAIL_PASSWORD"):  # an all-digit password arrives as a JSON number
        if app.config.get(key) is not None:
            app.config[key] = str(app.config[key])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A pool of file connections; WAL lets readers proceed while one writer commits.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 15, "factory": SerialWriteConnection},
        }


def _instance_secret(path: Path) -> str:
    """A secret generated once and kept, so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before the receipt number is shown.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_write_lock(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    sqlite_writes.before_write(connection.connection.dbapi_connection, statement)


@event.listens_for(Engine, "after_cursor_execute")
def _sqlite_write_done(connection, _cursor, _statement, _parameters, _context, _executemany) -> None:
    sqlite_writes.after_statement(connection.connection.dbapi_connection)


@event.listens_for(Engine, "handle_error")
def _sqlite_write_failed(context) -> None:
    if context.connection is not None and not context.connection.invalidated:
        sqlite_writes.after_statement(context.connection.connection.dbapi_connection)


def register_extensions(app: Flask) -> None:
    from .accounts.access import init_login
    from .extensions import babel, csrf, db, limiter, mail, migrate
    from .i18n import install_fast_gettext, select_locale, select_timezone
    from .read_transactions import init_read_transactions

    db.init_app(app)
    init_read_transactions(app, db)  # after db.init_app: its teardown must run first
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    install_fast_gettext(app)
    mail.init_app(app)
    init_login(app)
    limiter.init_app(app)
    from .pagecache import init_pagecache

    init_pagecache(app)


def register_blueprints(app: Flask) -> None:
    from .accounts import bp as accounts_bp
    from .api.views import init_api
    from .audit import bp as audit_bp
    from .clusters.views import bp as clusters_bp
    from .comments.views import bp as comments_bp
    from .consultations.views import bp as consultations_bp
    from .exports import bp as exports_bp
    from .feedback import bp as feedback_bp
    from .intake import bp as intake_bp
    from .manage import bp as manage_bp
    from .mail import bp as mail_bp
    from .moderation import bp as moderation_bp
    from .reports.views import bp as reports_bp
    from .rounds import bp as rounds_bp
    from .site import bp as site_bp
    from .tags.views import bp as tags_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(clusters_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(tags_bp)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from .site import register_error_pages

    register_error_pages(app)


def register_commands(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .clusters.cli import clusters_cli
    from .comments.cli import counts_cli
    from .reports.cli import reports_cli
    from .consultations.cli import consultations_cli
    from .digests.cli import digests_cli
    from .mail.cli import outbox_cli
    from .privacy.cli import privacy_cli
    from .worker import worker_command

    app.cli.add_command(consultations_cli)
    app.cli.add_command(clusters_cli)
    app.cli.add_command(counts_cli)
    app.cli.add_command(digests_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(privacy_cli)


def register_template_helpers(app: Flask) -> None:
    from .templating import init_templating

    init_templating(app)
