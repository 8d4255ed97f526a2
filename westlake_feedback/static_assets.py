"""Static files a browser or a reverse proxy may keep for a year.

Every `url_for('static', ...)` carries `?v=<hash of the file's content>`; a request whose `v` is the
current hash is answered with `Cache-Control: public, max-age=31536000, immutable`. A changed file
gets a new URL, so nobody keeps an old stylesheet; a URL without (or with a stale) `v` keeps
Flask's default (revalidate with the ETag).
"""
from __future__ import annotations

import hashlib
import os

from flask import Flask, request

YEAR = 365 * 24 * 3600


def init_static_assets(app: Flask) -> None:
    hashes: dict[tuple[str, int], str] = {}

    def version(filename: str) -> str | None:
        path = os.path.join(app.static_folder, filename)
        try:
            mtime = os.stat(path).st_mtime_ns
        except (OSError, ValueError):
            return None
        key = (path, mtime)
        if key not in hashes:
            with open(path, "rb") as handle:
                hashes[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
        return hashes[key]

    @app.url_defaults
    def _versioned(endpoint, values):
        if endpoint == "static" and "v" not in values and values.get("filename"):
            found = version(values["filename"])
            if found:
                values["v"] = found

    default_max_age = app.get_send_file_max_age

    def max_age(filename):
        if filename and request.args.get("v") and request.args.get("v") == version(filename):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.immutable = True
        return response
