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

import re
import threading
import time
from collections.abc import Callable, Iterable

from flask import Flask, render_template, request
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Response

from .i18n import LANG_COOKIE, locale_for
from .site import security_headers

EXEMPT_PREFIXES = ("/static/",)
EXEMPT_PATHS = frozenset({"/healthz", "/favicon.ico", "/robots.txt"})
COMMENT_ENDPOINTS = ("comments.comment_on_draft", "comments.comment_on_clause")
KEPT_FIELDS = ("csrf_token", "token", "stance", "identity_type", "organisation", "name", "publish_name", "phone",
               "email", "consent", "website")
# Requests that finish what a visitor began: a comment POST (someone typed it) and the receipt page
# it redirects to. They take a freed slot before any other waiting request, and a quarter of the
# waiting places is kept for them: shedding them would throw away work already done (the form
# served, the comment stored) and the visitor would start over, so under a surge the site would
# serve ever more forms and finish ever fewer comments (100 wrk clients on 2 cores: 8 comments/s).
FINISHING = (("POST", re.compile(r"^/c/[^/]+/(?:clauses/\d+/)?comment$")), ("GET", re.compile(r"^/receipt/[^/]+$")))


def finishes_a_visit(environ) -> bool:
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
    return any(method == wanted and pattern.match(path) for wanted, pattern in FINISHING)


class Slots:
    """A counting semaphore whose waiters that finish a visit go first (FINISHING)."""

    def __init__(self, count: int):
        self.free = count
        self._count = count
        self._changed = threading.Condition()
        self.urgent_waiting = 0

    def acquire(self, blocking: bool = True, timeout: float | None = None, urgent: bool = True) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        counted = False
        with self._changed:
            try:
                while True:
                    if self.free > 0 and (urgent or self.urgent_waiting == 0):
                        self.free -= 1
                        return True
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if not blocking or (remaining is not None and remaining <= 0):
                        return False
                    if urgent and not counted:
                        self.urgent_waiting += 1
                        counted = True
                    self._changed.wait(remaining)
            finally:
                if counted:
                    self.urgent_waiting -= 1
                    if self.urgent_waiting == 0 and self.free > 0:
                        self._changed.notify_all()  # ordinary waiters held back by this one may go

    def release(self) -> None:
        with self._changed:
            if self.free >= self._count:
                raise ValueError("released more often than acquired")
            self.free += 1
            self._changed.notify_all()


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
        self._semaphore = Slots(slots)
        self.reserved_waiting = self.max_waiting // 4  # places only finishing requests may take
        self._waiting_guard = threading.Lock()
        self.waiting = 0
        self.shed = 0  # requests turned away by this process (read by tests and the bench)
        # The busy page of a GET, per language and path: in a surge most of what is turned away is
        # a GET, and rendering its page (0.85 ms of CPU) took the CPU from the requests being served.
        self._busy_pages: dict[tuple[str, str], str] = {}

    def _take_slot(self, urgent: bool) -> bool:
        """A free slot at once; else a place among the `max_waiting` waiters for up to `wait`
        seconds; else no. Waiters are bounded because a waiting request holds a gunicorn thread:
        with every thread waiting, newer requests would queue in gunicorn, before this gate, and
        be turned away only after seconds. So beyond the waiters a request is turned away at once.
        `urgent`: it finishes a visit (see FINISHING)."""
        if self._semaphore.acquire(blocking=False, urgent=urgent):
            return True
        with self._waiting_guard:
            if self.waiting >= self.max_waiting - (0 if urgent else self.reserved_waiting):
                return False
            self.waiting += 1
        try:
            return self._semaphore.acquire(timeout=self.wait, urgent=urgent)
        finally:
            with self._waiting_guard:
                self.waiting -= 1

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            return self.wsgi_app(environ, start_response)
        if not self._take_slot(finishes_a_visit(environ)):
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
        key = None
        if environ.get("REQUEST_METHOD") == "GET":
            key = (self._locale(environ), environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""))
            page = self._busy_pages.get(key)
            if page is not None:
                return self._busy_response(page)
        with self.app.request_context(environ):
            kept = None
            if request.method == "POST" and request.endpoint in COMMENT_ENDPOINTS:
                fields = {name: request.form.get(name, "") for name in KEPT_FIELDS if name in request.form}
                kept = {"body": request.form.get("body", ""), "fields": fields, "action": request.path}
            # No flash messages: the page of a GET is kept for every visitor of that path and
            # language, and the session is not saved, so a waiting message shows on the next page.
            page = render_template("errors/busy.html", kept=kept, retry_after=self.retry_after, hide_flashes=True)
        if key is not None:
            if len(self._busy_pages) >= 512:
                self._busy_pages.clear()
            self._busy_pages[key] = page
        return self._busy_response(page)

    def _locale(self, environ) -> str:
        """i18n.select_locale read from the raw cookie header, without a request context."""
        return locale_for(parse_cookie(environ.get("HTTP_COOKIE", "")).get(LANG_COOKIE), self.app.config)

    def _busy_response(self, page: str) -> Response:
        response = Response(page, status=503, mimetype="text/html")
        response.headers["Retry-After"] = str(self.retry_after)
        response.headers["Cache-Control"] = "no-store"
        # The security headers of every page; no after_request hooks, and the session is not saved.
        with self.app.app_context():
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
