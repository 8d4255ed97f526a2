from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, now_utc


class IpHashKey(db.Model):
    """The random key that hashes client addresses during one local calendar month. Deleted by the
    purge once the month is over: the hashes made with it stay comparable with each other, but
    nobody (not even with the database and the secret key) can tell any more which address made them."""

    __tablename__ = "ip_hash_keys"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12", Asia/Shanghai
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
