"""Bare extension objects; bound to the app in create_app()."""
from flask import current_app, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .addresses import client_address


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
mail = Mail()


class AppLimiter(Limiter):
    """Flask-Limiter keeps `enabled` and the storage on its one Limiter object, so with several apps
    in a process (the tests) the last init_app would decide for all of them. Here each app keeps its
    own: they are read from the app handling the request."""

    @property
    def enabled(self) -> bool:
        if has_app_context():
            return bool(current_app.config.get("RATELIMIT_ENABLED", self._enabled))
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = value

    def init_app(self, app) -> None:
        super().init_app(app)
        if app.config.get("RATELIMIT_ENABLED", True):
            app.extensions["ratelimit_backend"] = (self._storage, self._limiter)

    def _backend(self, index: int):
        if has_app_context() and "ratelimit_backend" in current_app.extensions:
            return current_app.extensions["ratelimit_backend"][index]
        return None

    @property
    def storage(self):
        own = self._backend(0)
        return own if own is not None else super().storage

    @property
    def limiter(self):
        own = self._backend(1)
        if own is None or (self._storage_dead and self._in_memory_fallback_enabled):
            return super().limiter
        return own


limiter = AppLimiter(key_func=client_address)


def reads_without_transaction() -> None:
    """The rest of this request only reads: on PostgreSQL its queries run in autocommit mode, with
    no BEGIN and ROLLBACK round trips around them (3 round trips become 1 for a page of one
    query, such as a receipt). Only for views that never write. SQLite gains nothing: no-op."""
    if db.session().in_transaction() or db.engine.dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
