"""Database errors after which a transaction may simply be run again, and how often to try."""
from __future__ import annotations

import random
import time

from sqlalchemy.exc import DBAPIError

# PostgreSQL's deadlock_detected and serialization_failure: the server rolled the transaction
# back so that another could go on; nothing of it was written.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})

# Copies of a campaign arriving together can make one request lose several races in a row (a
# cluster it matched merged away, the cluster it joined deleted by a merge, a deadlock's victim);
# the jittered pause below keeps the same requests from colliding again on each retry.
ATTEMPTS = 10
FIRST_PAUSE_S = 0.002
LONGEST_PAUSE_S = 0.1


def is_retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def attempts():
    """Numbers 0 .. ATTEMPTS-1; before every one but the first, a random pause of up to
    FIRST_PAUSE_S * 2**attempt (at most LONGEST_PAUSE_S): about 0.4 s in all at worst."""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(FIRST_PAUSE_S * 2 ** attempt, LONGEST_PAUSE_S)))
        yield attempt


class StoreFailed(RuntimeError):
    def __init__(self) -> None:
        super().__init__(f"could not store the comment in {ATTEMPTS} attempts")
