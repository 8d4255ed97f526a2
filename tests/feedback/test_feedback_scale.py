"""The published feedback costs the same whatever the number of comments: the summary reads the
stored tallies and no comment; each clause's entries are paginated (keyset links), and
every entry appears exactly once across the pages; the API reads are paginated alike and answer
304 to a current If-None-Match."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from helpers import csrf_from, make_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision
from westlake_feedback.timeutil import now_utc

SLUG = "xihu-2023"  # closed
OUTCOMES = ("adopted", "partly_adopted", "not_adopted", "explained")
PAGES = [f"/c/{SLUG}/feedback", f"/c/{SLUG}/feedback/clauses/12", f"/c/{SLUG}/feedback/clauses/12?page=2",
         f"/c/{SLUG}/feedback/whole", f"/api/v1/consultations/{SLUG}/feedback",
         f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12", f"/api/v1/consultations/{SLUG}/feedback/entries",
         f"/api/v1/consultations/{SLUG}/comments", f"/api/v1/consultations/{SLUG}/comments?clause=12",
         f"/api/v1/consultations/{SLUG}/comments?clause=0", f"/api/v1/consultations/{SLUG}/comments?page=2&per_page=5"]


COMMENTS = re.compile(r"\b(from|join) comments\b")  # a statement that reads the comments table


def add_decided(app, total: int, start: int = 0, clause_numbers=(12, 3, None)) -> None:
    """`total` comments, most approved with a decision, some pending, rejected or spam; pairs share
    a timestamp (the id breaks the tie); every other one consents to show its author's name."""
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        clauses = {c.number: c for c in db.session.scalars(select(Clause).where(Clause.consultation_id == consultation.id))}
        base = now_utc() - timedelta(days=30)
        for n in range(start, start + total):
            status = ("pending", "rejected", "spam")[n % 3] if n % 10 == 9 else "approved"
            number = clause_numbers[n % len(clause_numbers)]
            comment = Comment(
                consultation=consultation, clause=clauses[number] if number else None, stance="amend",
                body=f"规模测试意见第{n:04d}号。", identity_type="individual", channel="web", status=status,
                name=f"署名人{n:04d}", phone=f"1390000{n:04d}", email=f"p{n}@example.com", publish_name=n % 2 == 0,
                receipt_code=f"S{n:09d}", created_at=base + timedelta(minutes=n // 2))
            db.session.add(comment)
            if n % 10 != 8:  # one in ten approved without an answer yet
                db.session.add(Decision(comment=comment, outcome=OUTCOMES[n % 4], response=f"第{n:04d}号的答复。"))
        consultation.feedback_published_at = consultation.feedback_published_at or now_utc()
        db.session.commit()


def queries_of(app, client, url: str, **headers) -> tuple[list[str], object]:
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()).lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements, response


@pytest.fixture
def uncached(seeded, app_factory):
    return app_factory(PAGE_CACHE_ENABLED=False, FEEDBACK_PER_PAGE=5)


def test_the_same_queries_at_30_and_300_comments_and_no_comment_loaded_on_the_summary(uncached, app):
    client = uncached.test_client()
    add_decided(app, 30)
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    small = {url: queries_of(uncached, client, url)[0] for url in PAGES}
    add_decided(app, 270, start=30)
    big = {url: queries_of(uncached, client, url)[0] for url in PAGES}
    for url in PAGES:
        assert len(big[url]) == len(small[url]), (url, small[url], big[url])
    # The summaries read the stored tallies (feedback/tallies.py): no statement reads the comments,
    # not even to count them, so they cost the same at any number of comments.
    for url in (f"/c/{SLUG}/feedback", f"/api/v1/consultations/{SLUG}/feedback", f"/c/{SLUG}/"):
        statements, response = queries_of(uncached, client, url)
        assert not any(COMMENTS.search(s) for s in statements), statements
        assert any("from feedback_tallies" in s for s in statements) and "规模测试意见" not in response.get_data(as_text=True)
    # The clause page reads one page of entries, with LIMIT, never all of them, and counts nothing.
    statements, response = queries_of(uncached, client, f"/c/{SLUG}/feedback/clauses/12")
    reads = [s for s in statements if COMMENTS.search(s)]
    assert len(reads) == 1 and "comments.body" in reads[0] and " limit " in reads[0], reads
    assert response.get_data(as_text=True).count('class="feedback-entry"') == 5


def walk(client, url: str) -> tuple[list[str], int]:
    seen, pages = [], 0
    while url:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        seen += re.findall(r"规模测试意见第(\d{4})号", html)
        following = re.search(r'href="([^"]*)"[^>]*rel="next"', html)
        url = following.group(1).replace("&amp;", "&").split("#")[0] if following else None
        if url:
            assert "after=" in url and f"page={pages + 1}" in url
    return seen, pages


def expected_entries(app, clause_number: int | None) -> list[str]:
    with app.app_context():
        rows = db.session.execute(
            select(Comment.body).join(Decision, Decision.comment_id == Comment.id)
            .join(Consultation, Consultation.id == Comment.consultation_id).outerjoin(Clause, Clause.id == Comment.clause_id)
            .where(Consultation.slug == SLUG, Comment.status == "approved",
                   Clause.number == clause_number if clause_number else Comment.clause_id.is_(None))
            .order_by(Comment.created_at, Comment.id))
        return [re.search(r"第(\d{4})号", body).group(1) for (body,) in rows]


@pytest.mark.parametrize("path, number", [("clauses/12", 12), ("whole", None)])
def test_every_entry_appears_once_across_the_pages_in_order(uncached, app, path, number):
    add_decided(app, 90)
    client = uncached.test_client()
    expected = expected_entries(app, number)
    assert len(expected) > 15
    seen, pages = walk(client, f"/c/{SLUG}/feedback/{path}")
    assert seen == expected and pages == -(-len(expected) // 5)
    # The page numbers alone (bookmarks) read the same pages by offset; past the end, none.
    by_number = []
    for page in range(1, pages + 1):
        by_number += re.findall(r"规模测试意见第(\d{4})号", client.get(f"/c/{SLUG}/feedback/{path}?page={page}").get_data(as_text=True))
    assert by_number == expected
    beyond = client.get(f"/c/{SLUG}/feedback/{path}?page={pages + 1}")
    assert beyond.status_code == 200 and "规模测试意见" not in beyond.get_data(as_text=True)
    # The next link reads by keyset: past the last entry shown, not by skipping rows.
    html = client.get(f"/c/{SLUG}/feedback/{path}").get_data(as_text=True)
    link = re.search(r'href="([^"]*)"[^>]*rel="next"', html).group(1).replace("&amp;", "&")
    statements, _ = queries_of(uncached, client, link)
    assert any("(comments.created_at, comments.id) >" in s for s in statements), statements


@pytest.mark.parametrize("after", ["x", "1_", "999999999999999999_1", "-5_3", "1700000000000000_1' OR 1=1"])
def test_a_bad_cursor_falls_back_to_the_page_number(uncached, app, after):
    add_decided(app, 20)
    response = uncached.test_client().get(f"/c/{SLUG}/feedback/clauses/12", query_string={"after": after, "page": "x"})
    assert response.status_code == 200 and "规模测试意见" in response.get_data(as_text=True)
    api = uncached.test_client().get(f"/api/v1/consultations/{SLUG}/feedback/entries", query_string={"after": after})
    assert api.status_code == 400 and api.get_json()["parameter"] == "after"


def test_the_api_walks_entries_and_comments_by_cursor(uncached, app):
    add_decided(app, 60)
    client = uncached.test_client()
    expected = expected_entries(app, 12)
    seen, url = [], f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12&per_page=7"
    while url:
        body = client.get(url).get_json()
        seen += [re.search(r"第(\d{4})号", e["text"]).group(1) for e in body["items"]]
        url = body["next_cursor"] and f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12&per_page=7&after={body['next_cursor']}"
    assert seen == expected
    with app.app_context():
        approved = [c.id for c in db.session.scalars(
            select(Comment).join(Consultation).where(Consultation.slug == SLUG, Comment.status == "approved")
            .order_by(Comment.created_at.desc(), Comment.id.desc()))]
    ids, url, total = [], f"/api/v1/consultations/{SLUG}/comments?per_page=9", None
    while url:
        body = client.get(url).get_json()
        total = body["total"]
        ids += [item["id"] for item in body["items"]]
        url = body["next_cursor"] and f"/api/v1/consultations/{SLUG}/comments?per_page=9&before={body['next_cursor']}"
    assert ids == approved and total == len(approved)
    whole = client.get(f"/api/v1/consultations/{SLUG}/comments?clause=0&per_page=100").get_json()
    assert whole["total"] == len(whole["items"]) > 0 and {i["clause_number"] for i in whole["items"]} == {None}
    bad = client.get(f"/api/v1/consultations/{SLUG}/comments?before=nonsense")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "before"


def test_authors_only_with_consent_and_never_contact_details(uncached, app):
    add_decided(app, 30)
    client = uncached.test_client()
    html = client.get(f"/c/{SLUG}/feedback/clauses/12?page=1").get_data(as_text=True)
    html += client.get(f"/c/{SLUG}/feedback/clauses/12?page=2").get_data(as_text=True)
    body = str(client.get(f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12").get_json())
    for n in range(0, 30, 3):  # on clause 12, approved, answered
        if n % 10 in (8, 9):
            continue
        consents = n % 2 == 0
        for text in (html, body):
            assert f"规模测试意见第{n:04d}号" in text
            assert (f"署名人{n:04d}" in text) is consents
    for n in range(30):
        for text in (html, body):
            assert f"1390000{n:04d}" not in text and f"p{n}@example.com" not in text and f"S{n:09d}" not in text
    assert "署名人0003" not in html + body and "署名人0000" in html  # no consent: never named


def test_hidden_texts_keep_counts_and_answers(uncached, app):
    add_decided(app, 30)
    with app.app_context():
        db.session.scalar(select(Consultation).where(Consultation.slug == SLUG)).show_approved_comments = False
        db.session.commit()
    client = uncached.test_client()
    page = client.get(f"/c/{SLUG}/feedback/clauses/12").get_data(as_text=True)
    assert "规模测试意见" not in page and "本次征求意见不公开意见原文" in page and "收到意见10条" in page
    summary = client.get(f"/c/{SLUG}/feedback").get_data(as_text=True)
    assert "查看逐条意见及答复" not in summary and "查看本条采纳情况" in summary
    body = client.get(f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12").get_json()
    assert body["texts_hidden"] is True and body["items"] == []


API = [f"/api/v1/consultations/{SLUG}/comments", f"/api/v1/consultations/{SLUG}/feedback",
       f"/api/v1/consultations/{SLUG}/feedback/entries?clause=12", f"/api/v1/consultations/{SLUG}",
       "/api/v1/consultations"]


@pytest.mark.parametrize("url", API)
def test_api_reads_revalidate_with_an_etag(seeded, staff, app, login_as, url, monkeypatch):
    import westlake_feedback.api.caching as caching

    monkeypatch.setattr(caching, "_minute", lambda: "30000000")  # one minute, for window_state's sake
    add_decided(app, 12)
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    statements, again = queries_of(app, client, url, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert len(statements) == 1 and "content_versions" in statements[0], statements
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # A moderation commits a new content version: the old ETag no longer matches.
    with app.app_context():
        pending = make_comment(SLUG, 12, body="新公开的意见。")
    moderator = login_as("moderator")
    token = csrf_from(moderator.get("/staff/password").get_data(as_text=True))
    assert moderator.post(f"/staff/comments/{pending}/approve", data={"csrf_token": token}).status_code == 303
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_errors_carry_no_etag(seeded, client):
    missing = client.get(f"/api/v1/consultations/{SLUG}/feedback")  # not published
    assert missing.status_code == 404 and "ETag" not in missing.headers
    bad = client.get(f"/api/v1/consultations/{SLUG}/comments?per_page=0")
    assert bad.status_code == 400 and "ETag" not in bad.headers


def test_the_pages_in_english(uncached, app):
    add_decided(app, 12)
    client = uncached.test_client()
    client.get("/lang/en?next=/")
    summary = client.get(f"/c/{SLUG}/feedback").get_data(as_text=True)
    assert "The comments and the responses to them (" in summary and "Adopted: " in summary
    page = client.get(f"/c/{SLUG}/feedback/clauses/12").get_data(as_text=True)
    assert "Comments on this clause by decision" in page and "published comments that have a response" in page
    assert "Back to the feedback on comments" in page and "本条" not in page
    assert "On the whole document" in client.get(f"/c/{SLUG}/feedback/whole").get_data(as_text=True)
