"""SQL statements one request runs, counted in-process around a test-client request."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

from sqlalchemy import event

from westlake_feedback.extensions import db

from .fill import CLAUSE, SLUG, STAFF_EMAIL, STAFF_PASSWORD


def public_pages(slug: str = SLUG, clause: int = CLAUSE) -> dict[str, str]:
    """The feedback pages answer once fill.publish_feedback has run."""
    return {"home": "/", "notice": f"/c/{slug}/", f"clause {clause}": f"/c/{slug}/clauses/{clause}",
            "full draft": f"/c/{slug}/full", "feedback": f"/c/{slug}/feedback",
            f"feedback clause {clause}": f"/c/{slug}/feedback/clauses/{clause}"}


def staff_pages(slug: str = SLUG, clause: int = CLAUSE) -> dict[str, str]:
    return {"queue filtered": f"/staff/c/{slug}/comments?status=approved&clause={clause}&stance=amend",
            "queue search 申报": f"/staff/c/{slug}/comments?q=%E7%94%B3%E6%8A%A5"}


@contextmanager
def counting(app):
    """Yields a list that collects every statement sent to the app's engine meanwhile."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no csrf_token in the login page")
    return match.group(1)


def staff_client(app, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD):
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post("/staff/login", data={"csrf_token": csrf_from(page), "email": email,
                                                 "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"staff login failed: {response.status_code}")
    return client


def query_count(app, client, path: str) -> int:
    """Statements of a warm request. Public pages are cached per minute (pagecache.page_key): a
    minute that turns between the warm request and the counted one makes a miss, so that pair
    is measured again."""
    for _attempt in range(3):
        minute = int(time.time() // 60)
        client.get(path)  # warm: the first request may load settings, compile templates, fill the cache
        with counting(app) as statements:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        if int(time.time() // 60) == minute:
            break
    return len(statements)


def page_query_counts(app, slug: str = SLUG, clause: int = CLAUSE, staff: bool = True) -> dict[str, int]:
    counts = {name: query_count(app, app.test_client(), path) for name, path in public_pages(slug, clause).items()}
    if staff:
        client = staff_client(app)
        counts.update({name: query_count(app, client, path) for name, path in staff_pages(slug, clause).items()})
    return counts
