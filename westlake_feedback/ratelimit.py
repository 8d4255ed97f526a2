"""Rate-limit counters in the app's own database, shared by every web process.

Flask-Limiter's default memory:// storage is private to each process: with two gunicorn workers a
limit of 20 let 40 requests through. Without WESTLAKE_REDIS_URL the limits live here instead, as
fixed windows in the `rate_limits` table (key, hits, window end). One INSERT ... ON CONFLICT DO
UPDATE ... RETURNING counts a hit atomically on SQLite (3.35+) and PostgreSQL alike.

The storage is registered for the `database://` scheme and always uses the database of the Flask
app handling the request (rate limits are only checked inside requests).
"""
from __future__ import annotations

import time

from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

PURGE_EVERY = 60.0  # seconds between deletions of ended windows, per process


class RateLimitCounter(db.Model):
    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time the window ends


def _insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise ConfigurationError(f"database:// rate limits need SQLite or PostgreSQL, not {dialect}")
    return insert


class DatabaseStorage(Storage):
    """A `limits` storage (fixed window only) in the current app's SQL database."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._last_purge = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @property
    def _engine(self):
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        insert = _insert(self._engine.dialect.name)
        statement = insert(table).values(key=key, hits=amount, expires_at=now + expiry)
        ended = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": case((ended, statement.excluded.hits), else_=table.c.hits + statement.excluded.hits),
                "expires_at": case((ended, statement.excluded.expires_at), else_=table.c.expires_at),
            },
        ).returning(table.c.hits)
        with self._engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if now - self._last_purge > PURGE_EVERY:
                self._last_purge = now
                connection.execute(delete(table).where(table.c.expires_at <= now))
        return hits

    def _live(self, column, key: str):
        table = RateLimitCounter.__table__
        with self._engine.connect() as connection:
            return connection.execute(
                select(column).where(table.c.key == key, table.c.expires_at > time.time())
            ).scalar()

    def get(self, key: str) -> int:
        return self._live(RateLimitCounter.__table__.c.hits, key) or 0

    def get_expiry(self, key: str) -> float:
        return self._live(RateLimitCounter.__table__.c.expires_at, key) or time.time()

    def check(self) -> bool:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.__table__.c.key == key))


def storage_uri(config) -> str:
    """WESTLAKE_RATELIMIT_STORAGE_URI if set, else Redis when WESTLAKE_REDIS_URL is set, else the
    app's database. Never memory://, which each process would keep for itself."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "database://"
