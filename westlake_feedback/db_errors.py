"""Database errors after which a transaction may simply be run again."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# PostgreSQL's deadlock_detected and serialization_failure: the server rolled the transaction
# back so that another could go on; nothing of it was written.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
