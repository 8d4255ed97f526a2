"""The page cache (westlake_feedback/pagecache/): a cached page never shares a visitor's tokens,
shows a moderator's decision at once (also on another app instance on the same database), costs
one query on a hit, and tells browsers and proxies how they may keep it."""
from __future__ import annotations

import os
import re

from sqlalchemy import select

from bench.counts import counting
from helpers import csrf_from, form_tokens, make_comment, valid_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.pagecache.version import current_version

SLUG = "xihu-2023-demo"
CLAUSE_12 = f"/c/{SLUG}/clauses/12"
NOTICE = f"/c/{SLUG}/"
FULL = f"/c/{SLUG}/full"
REDIS_URL = os.environ.get("WESTLAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
PAGES = ["/", NOTICE, CLAUSE_12, f"{CLAUSE_12}?page=2", FULL]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def staff_post(client, url: str, **data):
    token = csrf_from(text_of(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def statements_of(app, client, path: str) -> tuple[object, list[str]]:
    with counting(app) as seen:
        response = client.get(path)
    return response, seen


def test_two_visitors_of_a_cached_page_get_their_own_tokens_and_both_can_post(seeded, app):
    first, second = app.test_client(), app.test_client()
    page_1, page_2 = first.get(CLAUSE_12), second.get(CLAUSE_12)
    assert page_1.headers["X-Page-Cache"] == "miss" and page_2.headers["X-Page-Cache"] == "hit"
    tokens_1, tokens_2 = form_tokens(text_of(page_1)), form_tokens(text_of(page_2))
    assert set(tokens_1) == set(tokens_2) == {"csrf_token", "token"}
    assert tokens_1["csrf_token"] != tokens_2["csrf_token"] and tokens_1["token"] != tokens_2["token"]
    assert "\x00" not in text_of(page_2)
    # The same visitor again: the same session's CSRF token works, the one-time token is new.
    again = form_tokens(text_of(first.get(CLAUSE_12)))
    assert again["token"] not in (tokens_1["token"], tokens_2["token"])
    for client, tokens, body in ((first, tokens_1, "第一位访客对第十二条的意见。"),
                                 (second, tokens_2, "第二位访客对第十二条的意见。")):
        response = client.post(f"{CLAUSE_12}/comment", data={**tokens, **valid_comment(body=body)})
        assert response.status_code == 303, text_of(response)[:500]
    # A visitor posting with another visitor's CSRF token is refused (the form comes back).
    third = app.test_client()
    third.get(CLAUSE_12)
    stolen = {**tokens_1, "token": "x" * 32}
    assert third.post(f"{CLAUSE_12}/comment", data={**stolen, **valid_comment()}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Comment)) == 2


def test_the_notice_form_is_cached_with_fresh_tokens_too(seeded, app):
    pages = [app.test_client().get(NOTICE) for _ in range(2)]
    assert [p.headers["X-Page-Cache"] for p in pages] == ["miss", "hit"]
    tokens = [form_tokens(text_of(p)) for p in pages]
    assert tokens[0]["csrf_token"] != tokens[1]["csrf_token"] and tokens[0]["token"] != tokens[1]["token"]


def test_a_hit_costs_one_query(seeded, app):
    for path in PAGES:
        app.test_client().get(path)
        response, statements = statements_of(app, app.test_client(), path)
        assert response.status_code == 200 and response.headers["X-Page-Cache"] == "hit", path
        assert len(statements) == 1, (path, statements)
        assert "content_versions" in statements[0]


def test_an_approved_comment_shows_at_once(seeded, staff, login_as, app, app_factory):
    other_node = app_factory()  # another app instance (another process or node) on the same database
    body = "建议第十二条写明奖励资金的拨付时限。"
    with app.app_context():
        comment_id = make_comment(clause=12, body=body)
    citizen, elsewhere = app.test_client(), other_node.test_client()
    for client in (citizen, elsewhere):
        for path in (CLAUSE_12, NOTICE, "/"):
            client.get(path)
        assert body not in text_of(client.get(CLAUSE_12))  # now cached without it
        assert client.get(CLAUSE_12).headers["X-Page-Cache"] == "hit"
    moderator = login_as("moderator")
    assert staff_post(moderator, f"/staff/comments/{comment_id}/approve").status_code == 303
    for client in (citizen, elsewhere):
        page = client.get(CLAUSE_12)
        assert page.headers["X-Page-Cache"] == "miss"
        assert body in text_of(page) and "已公开的意见(1条)" in text_of(page)
        assert re.search(r"已公开意见1条", text_of(client.get("/")))
    assert staff_post(moderator, f"/staff/comments/{comment_id}/reject", reason="off_topic").status_code == 303
    for client in (citizen, elsewhere):
        assert body not in text_of(client.get(CLAUSE_12))


def test_only_public_changes_bump_the_version(seeded, app):
    with app.app_context():
        start = current_version()
        make_comment(clause=12)  # pending: no page shows it, and intake never waits on the counter
        assert current_version() == start
        make_comment(clause=12, status="approved")
        after_approved = current_version()
        assert after_approved != start
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        consultation.title = consultation.title + "(修订)"
        db.session.commit()
        assert current_version() != after_approved


def test_staff_and_flashed_messages_are_never_served_from_the_cache(seeded, staff, login_as, app):
    app.test_client().get(CLAUSE_12)
    moderator = login_as("moderator")
    page = moderator.get(CLAUSE_12)
    assert "X-Page-Cache" not in page.headers
    citizen = app.test_client()
    tokens = form_tokens(text_of(citizen.get(CLAUSE_12)))
    posted = citizen.post(f"{CLAUSE_12}/comment", data={**tokens, **valid_comment(body="建议写明受理时限。")})
    assert posted.status_code == 303
    with citizen.session_transaction() as session:
        session["_flashes"] = [("success", "一条只给这位访客的提示。")]
    page = citizen.get(CLAUSE_12)
    assert "X-Page-Cache" not in page.headers and "一条只给这位访客的提示。" in text_of(page)
    assert "一条只给这位访客的提示。" not in text_of(app.test_client().get(CLAUSE_12))


def test_each_language_has_its_own_copy(seeded, app):
    chinese, english = app.test_client(), app.test_client()
    english.set_cookie("lang", "en")
    assert "提交意见" in text_of(chinese.get(CLAUSE_12))
    assert "Submit" in text_of(english.get(CLAUSE_12)) and "提交意见" not in text_of(english.get(CLAUSE_12))
    assert "提交意见" in text_of(app.test_client().get(CLAUSE_12))


def test_pages_without_a_form_revalidate_with_an_etag(seeded, app):
    client = app.test_client()
    first = client.get(FULL)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache" and "Cookie" in first.headers["Vary"]
    assert "Set-Cookie" not in first.headers  # nothing per visitor: a proxy may keep it
    again = client.get(FULL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    with app.app_context():
        make_comment(clause=3, status="approved")
    changed = client.get(FULL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_pages_with_a_form_are_never_stored_by_anyone(seeded, app):
    for path in (NOTICE, CLAUSE_12):
        for _ in range(2):
            response = app.test_client().get(path)
            assert response.headers["Cache-Control"] == "private, no-store"
            assert "ETag" not in response.headers


def test_the_cache_can_be_switched_off(seeded, app_factory):
    plain = app_factory(PAGE_CACHE_ENABLED=False)
    for _ in range(2):
        assert "X-Page-Cache" not in plain.test_client().get(CLAUSE_12).headers


def test_a_page_with_a_token_it_did_not_see_rendered_is_never_kept(seeded, app, monkeypatch):
    import westlake_feedback.comments.forms as forms

    monkeypatch.setattr(forms, "note_form_token", lambda token: None)  # a form that forgets to say
    pages = [app.test_client().get(CLAUSE_12) for _ in range(2)]
    assert all("X-Page-Cache" not in page.headers for page in pages)
    assert form_tokens(text_of(pages[0]))["token"] != form_tokens(text_of(pages[1]))["token"]


def test_with_redis_another_node_gets_the_page_another_rendered(seeded, app_factory):
    import secrets

    import pytest

    redis = pytest.importorskip("redis").Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"westlake-test-{secrets.token_hex(6)}:"
    try:
        node_a, node_b = (app_factory(PAGE_CACHE_REDIS_URL=REDIS_URL, PAGE_CACHE_KEY_PREFIX=prefix) for _ in range(2))
        first = node_a.test_client().get(CLAUSE_12)
        assert first.headers["X-Page-Cache"] == "miss"
        assert list(redis.scan_iter(f"{prefix}page:*"))
        shared = node_b.test_client().get(CLAUSE_12)
        assert shared.headers["X-Page-Cache"] == "hit"  # rendered by node A, kept in Redis
        assert form_tokens(text_of(shared))["token"] != form_tokens(text_of(first))["token"]
    finally:
        for key in redis.scan_iter(f"{prefix}*"):
            redis.delete(key)


def test_the_next_minute_renders_afresh(seeded, app, one_minute):
    client = app.test_client()
    assert client.get(CLAUSE_12).headers["X-Page-Cache"] == "miss"
    assert client.get(CLAUSE_12).headers["X-Page-Cache"] == "hit"
    one_minute.frozen += 60  # the time left and the window state are shown to the minute
    assert client.get(CLAUSE_12).headers["X-Page-Cache"] == "miss"


def test_a_comment_posted_through_the_form_leaves_the_version_alone(seeded, app):
    """A new comment waits for moderation: no public page changes, so no cached page is dropped
    and intake never writes the counter row (the cluster it joins is staff-only)."""
    client = app.test_client()
    with app.app_context():
        start = current_version()
    for n in range(2):  # the second joins the first one's cluster (an UPDATE of comments)
        data = {**form_tokens(text_of(client.get(CLAUSE_12))),
                **valid_comment(body="建议明确资金拨付的时间节点,并公开申报流程。")}
        assert client.post(f"{CLAUSE_12}/comment", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Comment.cluster_id).order_by(Comment.id.desc()).limit(1)) is not None
        assert current_version() == start


def test_many_threads_share_one_version_connection(seeded, app_factory):
    """gthread workers serve a process's requests from 32 threads: the version reads must not each
    hold a pooled connection (with a pool of 2 and every thread holding one, the request's own
    query would wait for the pool and fail)."""
    import threading

    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2, "max_overflow": 0,
                                                 "pool_timeout": 2})
    versions: list = []

    def read():
        with app.app_context():
            versions.append(current_version())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(versions) == 8 and len(set(versions)) == 1
    with app.app_context():
        assert db.engine.pool.checkedout() <= 1
        assert db.session.scalar(select(Consultation.id).where(Consultation.slug == SLUG)) is not None
