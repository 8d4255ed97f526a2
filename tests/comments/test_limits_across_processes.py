"""The comment limit holds across web processes: two real gunicorn servers on one database (and
once on Redis), posted to alternately as a browser would, let through the limit in total.
Run with `make test-slow` (or pytest -m slow)."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from helpers import form_tokens, seed, valid_comment
from web_nodes import browser, start_servers, status_of, stop_servers
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

LIMIT = 3
CLAUSE = "/c/xihu-2023-demo/clauses/12"
REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.slow  # starts four gunicorn servers: about 10 s on the 2-core machine


@pytest.fixture
def two_servers(app, database_url, instance_path):
    seed(app)
    started = []

    def start(**env):
        started.extend(start_servers(database_url, instance_path,
                                     WESTLAKE_COMMENT_RATE_LIMIT=f"{LIMIT} per 10 minutes", **env))
        return [base for _process, base in started]

    yield start
    stop_servers(started)


def post_alternately(bases: list[str], times: int) -> list[int]:
    citizen = browser()
    codes = []
    for n in range(times):
        base = bases[n % len(bases)]
        status, page = status_of(citizen, base + CLAUSE)
        assert status == 200, status
        codes.append(status_of(citizen, f"{base}{CLAUSE}/comment", {**form_tokens(page), **valid_comment()})[0])
    return codes


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_the_limit_is_shared_by_two_processes_on_the_database(app, two_servers):
    bases = two_servers()
    codes = post_alternately(bases, 2 * LIMIT)
    assert codes == [303] * LIMIT + [429] * LIMIT
    assert stored(app) == LIMIT


def test_the_limit_is_shared_by_two_processes_on_redis(app, two_servers):
    redis = pytest.importorskip("redis").Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"westlake-test-{secrets.token_hex(6)}"
    try:
        bases = two_servers(WESTLAKE_REDIS_URL=REDIS_URL, WESTLAKE_RATELIMIT_KEY_PREFIX=prefix,
                            WESTLAKE_PAGE_CACHE_KEY_PREFIX=prefix)
        codes = post_alternately(bases, 2 * LIMIT)
        assert codes == [303] * LIMIT + [429] * LIMIT
        assert stored(app) == LIMIT
        assert list(redis.scan_iter(f"*{prefix}*"))  # counted in Redis, not in the database
    finally:
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)
