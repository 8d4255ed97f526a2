"""Public pages cost the same whatever the number of comments: counts of approved comments are
stored on clauses and consultations, kept by every change of a comment's status, and read by the
pages instead of being recounted; the clause page reads one page of comments, never counts them."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from helpers import csrf_from, make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.timeutil import now_utc

SLUG = "xihu-2023-demo"
CLAUSE_12 = f"/c/{SLUG}/clauses/12"
PAGES = [f"/c/{SLUG}/", CLAUSE_12, f"{CLAUSE_12}?page=2", f"/c/{SLUG}/full", "/"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def staff_post(client, url: str, **data):
    token = csrf_from(text_of(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def stored_and_true(app) -> tuple[dict, dict]:
    """(what the columns say, what counting the comments says): {clause id or ('c', id): count}."""
    with app.app_context():
        stored = {clause.id: clause.approved_count for clause in db.session.scalars(select(Clause))}
        stored.update({("c", c.id): c.approved_count for c in db.session.scalars(select(Consultation))})
        true = dict.fromkeys(stored, 0)
        approved = Comment.status == "approved"
        for clause_id, count in db.session.execute(
                select(Comment.clause_id, func.count()).where(approved, Comment.clause_id.is_not(None))
                .group_by(Comment.clause_id)):
            true[clause_id] = count
        for consultation_id, count in db.session.execute(
                select(Comment.consultation_id, func.count()).where(approved).group_by(Comment.consultation_id)):
            true[("c", consultation_id)] = count
    return stored, true


def assert_counts_right(app):
    stored, true = stored_and_true(app)
    assert stored == true


def add_approved(app, total: int) -> None:
    """Approved comments spread over clauses 1-20 and the whole draft, in one commit."""
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        clauses = list(db.session.scalars(select(Clause).where(Clause.consultation_id == consultation.id,
                                                                Clause.number <= 20)))
        clause_12 = next(clause for clause in clauses if clause.number == 12)
        start = now_utc() - timedelta(hours=1)
        for n in range(total):
            db.session.add(Comment(
                consultation=consultation,
                clause=None if n % 7 == 0 else clause_12 if n % 3 == 0 else clauses[n % len(clauses)],
                stance="amend", body=f"第{n}条已公开的测试意见。", identity_type="individual", channel="web",
                receipt_code=f"T{n:09d}", status="approved", created_at=start + timedelta(seconds=n)))
        db.session.commit()


def test_counts_follow_every_moderation_action(seeded, staff, login_as, app):
    with app.app_context():
        ids = [make_comment(clause=12, body=f"第十二条意见{n}号。") for n in range(4)]
        whole = make_comment(body="对整个文件的意见。")
        on_3 = make_comment(clause=3, body="第三条的意见,直接公开。", status="approved")
    assert_counts_right(app)
    with app.app_context():
        assert db.session.get(Clause, db.session.get(Comment, on_3).clause_id).approved_count == 1
    moderator = login_as("moderator")
    for comment_id in ids[:2] + [whole]:
        assert staff_post(moderator, f"/staff/comments/{comment_id}/approve").status_code == 303
        assert_counts_right(app)
    with app.app_context():
        assert db.session.scalar(select(Consultation).where(Consultation.slug == SLUG)).approved_count == 4
    assert staff_post(moderator, f"/staff/comments/{ids[0]}/reject", reason="off_topic").status_code == 303
    assert_counts_right(app)
    assert staff_post(moderator, f"/staff/comments/{ids[1]}/spam").status_code == 303
    assert_counts_right(app)
    assert staff_post(moderator, f"/staff/comments/{ids[1]}/approve").status_code == 303
    assert staff_post(moderator, f"/staff/comments/{ids[1]}/approve").status_code == 303  # no change: no double count
    assert_counts_right(app)
    response = staff_post(moderator, f"/staff/c/{SLUG}/comments/bulk", ids=[str(i) for i in ids], action="approve")
    assert response.status_code == 303
    assert_counts_right(app)
    with app.app_context():
        assert db.session.get(Clause, db.session.get(Comment, ids[0]).clause_id).approved_count == 4
    response = staff_post(moderator, f"/staff/c/{SLUG}/comments/bulk", ids=[str(i) for i in ids[:3]],
                          action="reject", reason="off_topic")
    assert response.status_code == 303
    assert_counts_right(app)
    response = staff_post(moderator, f"/staff/c/{SLUG}/comments/bulk", ids=[str(ids[3]), str(whole)], action="spam")
    assert response.status_code == 303
    assert_counts_right(app)
    redacted = staff_post(moderator, f"/staff/comments/{on_3}/redact", published_body="第三条的意见,已删改。")
    assert redacted.status_code == 303
    stored, true = stored_and_true(app)
    assert stored == true and sum(v for k, v in stored.items() if isinstance(k, tuple)) == 1


def test_auto_approved_comments_are_counted(app_factory, post_comment):
    app = app_factory(AUTO_APPROVE_COMMENTS=True)
    from helpers import seed

    seed(app)
    client = app.test_client()
    page = client.get(CLAUSE_12)
    from helpers import form_tokens, valid_comment

    data = {**form_tokens(text_of(page)), **valid_comment(body="自动公开的意见内容,应当计数。")}
    assert client.post(f"{CLAUSE_12}/comment", data=data).status_code == 303
    assert_counts_right(app)
    html = text_of(client.get(CLAUSE_12))
    assert "自动公开的意见内容" in html and "已公开的意见(1条)" in html


def queries_of(app, client, url: str) -> list[str]:
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements


def test_public_pages_run_the_same_queries_at_10_and_200_comments(seeded, app, app_factory):
    # What rendering costs, so with the page cache off (a cached page is one query: tests/pagecache).
    uncached = app_factory(PAGE_CACHE_ENABLED=False)
    client = uncached.test_client()
    add_approved(app, 10)
    for url in PAGES:
        client.get(url)  # warm whatever is cached per process (templates, locale)
    small = {url: queries_of(app, client, url) for url in PAGES}
    # top up to 200, on the same clauses and on all the others
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        clauses = list(db.session.scalars(select(Clause).where(Clause.consultation_id == consultation.id)))
        for n in range(190):
            db.session.add(Comment(
                consultation=consultation, clause=clauses[n % len(clauses)], stance="oppose",
                body=f"补充的已公开意见{n}。", identity_type="individual", channel="web",
                receipt_code=f"U{n:09d}", status="approved", created_at=now_utc() - timedelta(minutes=5)))
        db.session.commit()
    assert_counts_right(app)
    big = {url: queries_of(app, client, url) for url in PAGES}
    for url in PAGES:
        assert len(big[url]) == len(small[url]), (url, small[url], big[url])


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_never_count_comments(seeded, app, app_factory, url):
    client = app_factory(PAGE_CACHE_ENABLED=False).test_client()  # the render, not a cached copy
    add_approved(app, 30)
    client.get(url)
    for statement in queries_of(app, client, url):
        flat = " ".join(statement.split()).lower()
        assert "group by" not in flat and "count(" not in flat, statement


def test_an_approved_comment_shows_at_once_with_its_count(seeded, staff, login_as, client, app):
    add_approved(app, 60)
    with app.app_context():
        before = db.session.get(Clause, db.session.scalar(
            select(Clause.id).join(Consultation).where(Consultation.slug == SLUG, Clause.number == 12))).approved_count
        comment_id = make_comment(clause=12, body="刚刚审核通过的新意见,应当立即公开。")
    first = text_of(client.get(CLAUSE_12))
    assert "刚刚审核通过的新意见" not in first and f"已公开的意见({before}条)" in first
    assert staff_post(login_as("moderator"), f"/staff/comments/{comment_id}/approve").status_code == 303
    html = text_of(client.get(CLAUSE_12))
    assert "刚刚审核通过的新意见" in html and f"已公开的意见({before + 1}条)" in html
    notice = text_of(client.get(f"/c/{SLUG}/"))
    match = re.search(rf'href="/c/{SLUG}/clauses/12">.*?<span class="count">(\d+)条意见</span>', notice, re.S)
    assert match and int(match.group(1)) == before + 1


def test_walking_older_links_shows_every_comment_once_newest_first(seeded, app, client):
    with app.app_context():
        per_page = app.config["COMMENTS_PER_PAGE"]
        clause_id = db.session.scalar(
            select(Clause.id).join(Consultation).where(Consultation.slug == SLUG, Clause.number == 12))
        base = now_utc() - timedelta(hours=2)
        total = per_page * 2 + 3
        for n in range(total):  # pairs share a timestamp: the id breaks the tie
            make_comment(clause=12, body=f"翻页测试意见第{n:03d}号。", status="approved",
                         created_at=base + timedelta(minutes=n // 2))
        assert db.session.get(Clause, clause_id).approved_count == total
    seen, url, pages = [], CLAUSE_12, 0
    while url:
        html = text_of(client.get(url))
        pages += 1
        assert f"第{pages}页,共3页" in html
        seen += re.findall(r"翻页测试意见第(\d{3})号", html)
        older = re.search(r'href="([^"]*)"[^>]*>较早的意见', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url:
            assert "before=" in url and f"page={pages + 1}" in url
        if url:  # read by keyset: older than the last comment shown, not by skipping rows
            statements = [" ".join(s.split()).lower() for s in queries_of(app, client, url)]
            assert any("(comments.created_at, comments.id) <" in s for s in statements), statements
    assert pages == 3
    assert seen == [f"{n:03d}" for n in reversed(range(total))]
    # ?page= alone (bookmarks, older links) reads the same page by offset
    assert re.findall(r"翻页测试意见第(\d{3})号", text_of(client.get(f"{CLAUSE_12}?page=3"))) == \
        [f"{n:03d}" for n in reversed(range(3))]


@pytest.mark.parametrize("before", ["x", "1_", "99999999999999999_1", "-5_3", "1700000000000000_1' OR 1=1"])
def test_a_bad_cursor_falls_back_to_the_page_number(seeded, app, client, before):
    with app.app_context():
        make_comment(clause=12, body="游标测试意见。", status="approved")
    response = client.get(CLAUSE_12, query_string={"before": before})
    assert response.status_code == 200 and "游标测试意见" in text_of(response)


def test_concurrent_moderators_keep_the_count_right(seeded, app, database_url):
    """Many moderators approving comments of one clause at once: no increment is lost."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers: PostgreSQL (SQLite serialises writers anyway)")
    import threading

    with app.app_context():
        ids = [make_comment(clause=12, body=f"并发审核的意见{n}号。") for n in range(24)]
    barrier = threading.Barrier(6)
    errors = []

    def moderate(chunk):
        try:
            with app.app_context():
                comments = [db.session.get(Comment, i) for i in chunk]
                barrier.wait(timeout=10)
                for comment in comments:
                    comment.status = "approved"
                db.session.commit()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=moderate, args=(ids[n::6],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert_counts_right(app)
    with app.app_context():
        assert db.session.get(Clause, db.session.get(Comment, ids[0]).clause_id).approved_count == 24


@pytest.mark.parametrize("url", [f"/c/{SLUG}/", CLAUSE_12])
def test_pages_with_a_comment_form_are_never_stored_by_a_cache(seeded, app, url):
    """They carry a CSRF and a one-time token: a shared cache must not hand them to another visitor."""
    first, second = app.test_client().get(url), app.test_client().get(url)
    for response in (first, second):
        directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= directives, response.headers.get("Cache-Control")
    from helpers import form_tokens

    assert form_tokens(text_of(first)) != form_tokens(text_of(second))
