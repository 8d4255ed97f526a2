"""Load shedding: a bounded number of requests in flight per web process, the rest turned away fast.

In a flash crowd a server that accepts everything queues requests for minutes, and every visitor
waits. This WSGI middleware lets at most MAX_IN_FLIGHT requests run at once in the process; up to
MAX_WAITING more (default: four times the slots) wait up to IN_FLIGHT_WAIT seconds for a free slot;
any other gets `503 Service Unavailable` with `Retry-After: OVERLOAD_RETRY_AFTER` at once. Static files and the health check never wait (they
are cheap, and a load balancer must not take a busy node for a dead one).

A comment POST that is turned away gets a page (in the visitor's language) with everything they
typed: the text in a textarea to copy, and the other fields hidden in a form that posts it all
again with one click. The form's CSRF and one-time tokens go with it, so resending can neither fail
on a stale token nor store the comment twice.

It sits outside Flask, so that a turned-away request costs no session, database or view; only the
shed page itself goes through a (cheap) Flask request context for its template and language.
gunicorn runs `threads` threads per process (gunicorn.conf.py): more threads than slots, so a
waiting or shed request holds a thread but no slot.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from flask import Flask, render_template, request
from werkzeug.wrappers import Response

from .site import security_headers

EXEMPT_PREFIXES = ("/static/",)
EXEMPT_PATHS = frozenset({"/healthz", "/favicon.ico", "/robots.txt"})
COMMENT_ENDPOINTS = ("comments.comment_on_draft", "comments.comment_on_clause")
KEPT_FIELDS = ("csrf_token", "token", "stance", "identity_type", "organisation", "name", "publish_name", "phone",
               "email", "consent", "website")


class _Release:
    """Wraps the app's response iterable: the slot is freed once the body has been sent (the
    iterable is exhausted) or the server closes it (a client gone mid-response), whichever is
    first."""

    def __init__(self, iterable: Iterable[bytes], release: Callable[[], None]):
        self._iterable = iterable
        self._release = release

    def __iter__(self):
        try:
            yield from self._iterable
        finally:
            self._release()

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            self._release()


class InFlightLimit:
    """WSGI middleware: at most `slots` requests at once in this process (see the module doc)."""

    def __init__(self, app: Flask, slots: int, wait: float, retry_after: int, max_waiting: int | None = None):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.slots = slots
        self.wait = wait
        self.retry_after = retry_after
        self.max_waiting = 4 * slots if max_waiting is None else max_waiting
        self._semaphore = threading.BoundedSemaphore(slots)
        self._waiting_guard = threading.Lock()
        self.waiting = 0
        self.shed = 0  # requests turned away by this process (read by tests and the bench)

    def _take_slot(self) -> bool:
        """A free slot at once; else a place among the `max_waiting` waiters for up to `wait`
        seconds; else no. Waiters are bounded because a waiting request holds a gunicorn thread:
        with every thread waiting, newer requests would queue in gunicorn, before this gate, and
        be turned away only after seconds. So beyond the waiters a request is turned away at once."""
        if self._semaphore.acquire(blocking=False):
            return True
        with self._waiting_guard:
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
        try:
            return self._semaphore.acquire(timeout=self.wait)
        finally:
            with self._waiting_guard:
                self.waiting -= 1

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            return self.wsgi_app(environ, start_response)
        if not self._take_slot():
            self.shed += 1
            return self._busy(environ)(environ, start_response)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._semaphore.release()

        try:
            return _Release(self.wsgi_app(environ, start_response), release)
        except BaseException:
            release()
            raise

    def _busy(self, environ) -> Response:
        if environ.get("PATH_INFO", "").startswith("/api/"):
            response = Response('{"error": "overloaded"}', status=503, mimetype="application/json")
            response.headers["Retry-After"] = str(self.retry_after)
            return response
        with self.app.request_context(environ):
            kept = None
            if request.method == "POST" and request.endpoint in COMMENT_ENDPOINTS:
                fields = {name: request.form.get(name, "") for name in KEPT_FIELDS if name in request.form}
                kept = {"body": request.form.get("body", ""), "fields": fields, "action": request.path}
            response = Response(render_template("errors/busy.html", kept=kept, retry_after=self.retry_after),
                                status=503, mimetype="text/html")
            response.headers["Retry-After"] = str(self.retry_after)
            response.headers["Cache-Control"] = "no-store"
            # The security headers of every page; no after_request hooks, and the session is not
            # saved, so a flash message waiting for the next page is not used up by this one.
            return security_headers(response)


def init_overload(app: Flask) -> None:
    """Wraps app.wsgi_app when MAX_IN_FLIGHT is above 0 (set it to 0 to turn shedding off)."""
    slots = int(app.config.get("MAX_IN_FLIGHT") or 0)
    if slots <= 0:
        return
    waiting = app.config.get("MAX_WAITING")
    gate = InFlightLimit(app, slots, float(app.config["IN_FLIGHT_WAIT"]), int(app.config["OVERLOAD_RETRY_AFTER"]),
                         None if waiting in (None, "") else int(waiting))
    app.extensions["in_flight_limit"] = gate
    app.wsgi_app = gate
