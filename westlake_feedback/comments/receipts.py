"""Receipt codes: 40 random bits, read aloud easily (no 0/O/1/I), e.g. XH-7K4Q-2M9D."""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_LENGTH = 8  # 8 x 5 = 40 bits


def new_receipt_code(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def normalise_receipt_code(raw: str, prefix: str) -> str | None:
    """Accept what people type: any case, spaces or no dashes. None if it cannot be a code."""
    compact = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if compact.startswith(prefix):
        compact = compact[len(prefix):]
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{prefix}-{compact[:4]}-{compact[4:]}"
