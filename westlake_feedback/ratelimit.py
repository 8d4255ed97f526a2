"""Rate-limit counters in the app's own database, shared by every web process.

Flask-Limiter's default memory:// storage is private to each process: with two gunicorn workers a
limit of 20 let 40 requests through. Without WESTLAKE_REDIS_URL the limits live here instead, as
fixed windows in the `rate_limits` table (key, hits, window end). One INSERT ... ON CONFLICT DO
UPDATE ... RETURNING counts a hit atomically on SQLite (3.35+) and PostgreSQL alike.

The storage is registered for the `database://` scheme and always uses the database of the Flask
app handling the request (rate limits are only checked inside requests).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

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
        self._seen = threading.local()

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
        ).returning(table.c.hits, table.c.expires_at)
        with self._engine.connect() as connection, _not_flushed(connection):
            hits, expires_at = connection.execute(statement).one()
            if now - self._last_purge > PURGE_EVERY:
                self._last_purge = now
                connection.execute(delete(table).where(table.c.expires_at <= now))
            connection.commit()
        self._seen.last = (key, hits, expires_at, now)
        return hits

    def _just_counted(self, key: str):
        """(hits, expires_at) as this thread's incr() of `key` just left them, if that was within
        the last second: Flask-Limiter reads both right after counting a hit (for the X-RateLimit
        headers), which would be two more queries per limited request."""
        last = getattr(self._seen, "last", None)
        if last is not None and last[0] == key and time.time() - last[3] < 1.0 and last[2] > time.time():
            return last[1], last[2]
        return None

    def _live(self, column, key: str):
        table = RateLimitCounter.__table__
        seen = self._just_counted(key)
        if seen is not None:
            return seen[0] if column is table.c.hits else seen[1]
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
        self._seen = threading.local()
        with self._engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        self._seen = threading.local()
        with self._engine.begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.__table__.c.key == key))


@contextmanager
def _not_flushed(connection):
    """A counter hit need not survive a power cut, so its commit does not wait for the disk: on
    SQLite (WAL) `synchronous=NORMAL` for this one transaction (no fsync at its commit; the next
    FULL commit's fsync covers its WAL frames too), on PostgreSQL `synchronous_commit` off for it.
    So a comment POST waits for one durable commit (the comment with its receipt mail), not two."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # opens the transaction
        yield
        return
    connection.exec_driver_sql("PRAGMA synchronous=NORMAL")  # outside a transaction, as it must be
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA synchronous=FULL")  # as every pooled connection has it


def storage_uri(config) -> str:
    """WESTLAKE_RATELIMIT_STORAGE_URI if set, else Redis when WESTLAKE_REDIS_URL is set, else the
    app's database. Never memory://, which each process would keep for itself."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "database://"
