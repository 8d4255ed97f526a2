"""A cache of rendered public pages, correct across processes and nodes.

`@cached_page` on a public GET view keys its rendered HTML by the page (endpoint, host, path and
query string), the interface language, the current minute (pages show "time left" to the minute
and whether the comment window is open) and the content version (version.py: a counter bumped in
the same transaction as every change of public output, kept in the shared database). A
moderator's approval commits a new version, so the next request anywhere renders afresh.

Never shared between visitors:
- the CSRF token and the one-time submission token of the comment form: the cached copy holds
  placeholders, each response gets the visitor's own CSRF token and a new one-time token;
- anything that depends on the session: a visitor whose session holds more than a CSRF token
  (signed-in staff, flashed messages) gets a page rendered for them, not the cache.

HTTP: pages with a form are `private, no-store`; the others carry an ETag and `public, no-cache`
(a browser or proxy keeps them and revalidates: a 304 costs one query). `Vary: Cookie`, since
the language cookie and the session change the page.
"""
from __future__ import annotations

import hashlib
import re
import time
from functools import wraps

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf

from ..i18n import select_locale
from . import tokens
from .store import Entry, LocalStore, RedisStore, Store
from .version import current_version

CSRF_MARK = "\x00csrf\x00"  # control characters never reach a page (westlake_feedback/inputs.py)
TOKEN_MARK = "\x00token\x00"
# A hidden token input whose value is not one of the placeholders (checked before a page is kept).
_UNMARKED_TOKEN = re.compile(r'<input[^>]*\bname="(?:csrf_token|token)"[^>]*\bvalue="(?!\x00)[^"]')
# Flask-Login marks any session "_fresh"=False (and may note an "_id"); neither means a signed-in user.
SESSION_KEYS_OK = frozenset({"csrf_token", "_fresh", "_id"})
NO_STORE = "private, no-store"
REVALIDATE = "public, no-cache"


def init_pagecache(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_ENABLED", True)
    redis_url = app.config.get("PAGE_CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    shared = None
    if redis_url:
        shared = RedisStore(redis_url, app.config.get("PAGE_CACHE_KEY_PREFIX") or "westlake:",
                            int(app.config.get("PAGE_CACHE_TTL") or 300))
    # First of all before_request hooks: a hit needs none of the others (login, CSRF checks only
    # concern sessions that are never served from the cache).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_from_cache)
    app.extensions["pagecache"] = Store(LocalStore(int(app.config.get("PAGE_CACHE_SIZE") or 256)), shared)
    # Two sites sharing one Redis never see each other's pages, even at equal versions.
    app.extensions["pagecache_site"] = hashlib.blake2b(
        app.config["SQLALCHEMY_DATABASE_URI"].encode(), digest_size=6).hexdigest()


def store() -> Store:
    return current_app.extensions["pagecache"]


def _cacheable_request() -> bool:
    if not current_app.config["PAGE_CACHE_ENABLED"] or request.method not in ("GET", "HEAD"):
        return False
    return not session or session.keys() <= SESSION_KEYS_OK


def page_key(version: int, per_minute: bool = True) -> str:
    raw = "\x1f".join((
        current_app.extensions["pagecache_site"], request.endpoint or "", str(version),
        str(int(time.time() // 60)) if per_minute else "", select_locale(), request.scheme, request.host,
        request.path, request.query_string.decode("latin-1"),
    ))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _to_entry(response: Response) -> Entry | None:
    """The response as a cache entry with placeholders for its tokens, or None if not cacheable."""
    if (response.status_code != 200 or response.direct_passthrough or response.mimetype != "text/html"
            or "Set-Cookie" in response.headers):
        return None
    body = response.get_data(as_text=True)
    if CSRF_MARK in body or TOKEN_MARK in body:
        return None
    csrf = g.get("csrf_token")
    if csrf:
        body = body.replace(csrf, CSRF_MARK)
    for token in tokens.noted_form_tokens():
        body = body.replace(token, TOKEN_MARK)
    if _UNMARKED_TOKEN.search(body):
        return None  # a token this module did not see rendered: never share it
    has_tokens = CSRF_MARK in body or TOKEN_MARK in body
    etag = "" if has_tokens else hashlib.blake2b(body.encode(), digest_size=12).hexdigest()
    return Entry(body=body, content_type=response.content_type, has_tokens=has_tokens, etag=etag)


def _respond(entry: Entry, hit: bool) -> Response:
    if entry.has_tokens:
        body = entry.body.replace(CSRF_MARK, generate_csrf())
        if TOKEN_MARK in body:
            parts = body.split(TOKEN_MARK)
            body = parts[0] + "".join(_new_form_token() + part for part in parts[1:])
        response = Response(body, content_type=entry.content_type)
        response.headers["Cache-Control"] = NO_STORE
    else:
        etag = f'"{entry.etag}"'
        if request.if_none_match.contains(entry.etag):
            response = Response(status=304)
        else:
            response = Response(entry.encoded, content_type=entry.content_type)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = REVALIDATE
    response.headers["Vary"] = "Cookie"
    response.headers["X-Page-Cache"] = "hit" if hit else "miss"
    return response


def _new_form_token() -> str:
    from ..comments.forms import new_form_token

    return new_form_token()


_KEY = "_pagecache_key"


def _serve_from_cache():
    """A hit, answered before the view and the other hooks run; on a miss the key is left for
    the view's wrapper, which renders and keeps the page."""
    view = current_app.view_functions.get(request.endpoint)
    per_minute = getattr(view, "page_cache_per_minute", None)
    if per_minute is None or not _cacheable_request():
        return None
    version = current_version()
    if version is None:
        return None
    key = page_key(version, per_minute)
    entry = store().get(key)
    if entry is not None:
        return _respond(entry, hit=True)
    setattr(g, _KEY, key)
    return None


def cached_page(view=None, *, per_minute: bool = True):
    """Serve `view` (a public GET page) from the page cache; see the module's docstring.
    `per_minute=False` for a page that shows no time left and no window state."""
    if view is None:
        return lambda actual: cached_page(actual, per_minute=per_minute)

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = g.pop(_KEY, None)  # set by _serve_from_cache when the page was not kept
        if key is None:
            return view(*args, **kwargs)
        tokens.start_noting()
        response = make_response(view(*args, **kwargs))
        entry = _to_entry(response)
        if entry is None:
            return response
        store().put(key, entry)
        return _respond(entry, hit=False)

    wrapped.page_cache_per_minute = per_minute
    return wrapped
