"""HTTP caching of the API's reads: every 200 carries an ETag made from the content version (see
pagecache/version.py: a counter bumped in the same transaction as every change of public output)
and the request, with `Cache-Control: public, no-cache`; a GET whose If-None-Match holds the ETag
is answered 304 after one query (the version), before the view runs.

Endpoints whose output moves with the clock (window_state) also key by the current minute."""
from __future__ import annotations

import hashlib
import time

from flask import Response, current_app, g, request

from ..pagecache import REVALIDATE
from ..pagecache.version import current_version
from . import bp

PER_MINUTE = frozenset({"api.consultations", "api.consultation"})
_ETAG = "_api_etag"


def _minute() -> str:
    return str(int(time.time() // 60))


def api_etag() -> str | None:
    version = current_version()
    if version is None:  # the version row is missing: nothing may be revalidated
        return None
    raw = "\x1f".join((
        current_app.extensions["pagecache_site"], str(version),
        _minute() if request.endpoint in PER_MINUTE else "",
        request.endpoint or "", request.path, request.query_string.decode("latin-1"),
    ))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def _mark(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = REVALIDATE
    return response


@bp.before_request
def revalidate():
    if request.method not in ("GET", "HEAD") or request.endpoint not in current_app.view_functions:
        return None
    etag = api_etag()
    if etag is None:
        return None
    setattr(g, _ETAG, etag)
    if request.if_none_match.contains(etag):
        return _mark(Response(status=304), etag)
    return None


@bp.after_request
def tag(response: Response) -> Response:
    etag = g.pop(_ETAG, None)
    if etag is not None and response.status_code == 200:
        _mark(response, etag)
    return response
