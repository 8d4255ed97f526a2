"""Receipt fingerprints: a SHA-256 of what a commenter submitted, to prove the office holds it.

The canonical serialisation is UTF-8 JSON with sorted keys and no blanks between tokens:
    {"clause":12,"stance":"amend","text":"..."}
`clause` is the clause number (null for a comment on the whole draft), `stance` the stored stance
value (support, oppose, amend, other) and `text` the text as stored (line ends as \\n, blanks
trimmed at both ends, as the comment form stores it). Anyone can recompute it, e.g.
    printf '%s' '{"clause":12,"stance":"amend","text":"..."}' | sha256sum
(with the text JSON-escaped: quotes, backslashes and line ends; other characters as they are).
"""
from __future__ import annotations

import hashlib
import hmac
import json

from .forms import normalise_text
from .models import Comment


def canonical(clause_number: int | None, stance: str, text: str) -> bytes:
    payload = {"clause": clause_number, "stance": stance, "text": text}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def fingerprint(clause_number: int | None, stance: str, text: str) -> str:
    return hashlib.sha256(canonical(clause_number, stance, text)).hexdigest()


def comment_fingerprint(comment: Comment) -> str:
    return fingerprint(comment.clause.number if comment.clause else None, comment.stance, comment.body)


def grouped(digest: str) -> str:
    """64 hex digits in groups of eight, easier to read aloud and compare."""
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


def text_matches(comment: Comment, pasted: str) -> bool:
    """Whether the pasted text, normalised as the comment form normalises it, is the stored text:
    the two fingerprints are compared (in constant time), never the texts shown."""
    claimed = fingerprint(comment.clause.number if comment.clause else None, comment.stance,
                          normalise_text(pasted))
    return hmac.compare_digest(claimed, comment_fingerprint(comment))
