"""Hashing client addresses with a random key per local calendar month.

Within a month the same address always gives the same hash, so staff can see that comments came
from one address (abuse); across months the hashes differ. The key lives in the database and is
destroyed by the privacy purge once its month is over (plus IP_HASH_KEY_DAYS). While a key
exists, anyone who can read the database can try all 2^32 IPv4 addresses against a hash of that
month; after it is destroyed, nobody can, and no new hash of that month can be computed.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..timeutil import local_midnight, now_utc, to_local
from .models import IpHashKey


def period_of(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m")


def period_end(period: str) -> datetime:
    """The first moment after the month `period` (local midnight of the next month's first day)."""
    year, month = (int(part) for part in period.split("-"))
    return local_midnight(date(year + month // 12, month % 12 + 1, 1))


def key_expires_at(period: str) -> datetime:
    return period_end(period) + timedelta(days=current_app.config["IP_HASH_KEY_DAYS"])


def _insert():
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(IpHashKey)


def _known_keys() -> dict[str, tuple[bytes, datetime]]:
    """Keys this process has read, by period, with the moment each stops being used. A month's
    key never changes once made and is destroyed only after that moment, so a comment hashed from
    here needs no query for it."""
    return current_app.extensions.setdefault("ip_hash_keys", {})


def forget_known_keys() -> None:
    _known_keys().clear()


def period_key(period: str, now: datetime | None = None) -> bytes | None:
    """The month's key, made on first use; None once the month's key has expired (destroyed or
    about to be: a key is never made again for a month that is over)."""
    now = now or now_utc()
    known = _known_keys().get(period)
    if known is not None and now < known[1]:
        return known[0]
    if now >= key_expires_at(period):
        return None
    with db.session.no_autoflush:
        secret = db.session.scalar(select(IpHashKey.secret).where(IpHashKey.period == period))
        made_here = db.session.info.setdefault("ip_hash_keys_made", set())
        if secret is not None:
            if period not in made_here:  # committed before; a key this session made may roll back
                _known_keys()[period] = (secret, key_expires_at(period))
            return secret
        # In the caller's transaction; two processes making the same month's key agree on one.
        made_here.add(period)
        db.session.execute(
            _insert().values(period=period, secret=secrets.token_bytes(32), created_at=now)
            .on_conflict_do_nothing(index_elements=["period"])
        )
        return db.session.scalar(select(IpHashKey.secret).where(IpHashKey.period == period))


def hash_ip(ip: str | None, at: datetime | None = None) -> str | None:
    """HMAC-SHA256 of the address under the key of the month of `at` (default now)."""
    if not ip:
        return None
    key = period_key(period_of(at or now_utc()))
    if key is None:
        return None
    return hmac.new(key, b"ip:" + ip.encode(), hashlib.sha256).hexdigest()


def expired_key_periods(now: datetime) -> list[str]:
    periods = db.session.scalars(select(IpHashKey.period).order_by(IpHashKey.period)).all()
    return [period for period in periods if now >= key_expires_at(period)]


def destroy_keys(periods: list[str]) -> int:
    if not periods:
        return 0
    for period in periods:
        _known_keys().pop(period, None)
    return db.session.execute(delete(IpHashKey).where(IpHashKey.period.in_(periods))).rowcount
