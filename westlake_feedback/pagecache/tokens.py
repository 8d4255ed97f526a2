"""Per-visitor values in a rendered page, noted while it renders so the cached copy can hold
placeholders instead (render.py puts fresh ones in for every visitor)."""
from __future__ import annotations

from flask import g, has_request_context

_NOTED = "_pagecache_form_tokens"


def start_noting() -> None:
    setattr(g, _NOTED, [])


def note_form_token(token: str) -> None:
    """Called by every form that renders a one-time token (CommentForm.fresh)."""
    if has_request_context():
        noted = g.get(_NOTED)
        if noted is not None:
            noted.append(token)


def noted_form_tokens() -> list[str]:
    return g.pop(_NOTED, None) or []
