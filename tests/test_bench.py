"""The bench's fill and query-count code, run in-process at a tiny size so it cannot rot, and the
query-count budget of the public pages: a constant, whatever the number of comments."""
import shutil

import pytest

from bench import counts, fill


def test_public_pages_run_a_constant_number_of_queries(seeded):
    fill.create_staff(seeded)
    fill.fill_to(seeded, 50)
    fill.publish_feedback(seeded)
    assert fill.comment_count(seeded) == 50
    small = counts.page_query_counts(seeded)
    assert set(small) == set(counts.public_pages()) | set(counts.staff_pages())
    assert all(n > 0 for n in small.values()), small

    fill.fill_to(seeded, 500)
    fill.publish_feedback(seeded)
    assert fill.comment_count(seeded) == 500
    large = counts.page_query_counts(seeded, staff=False)
    assert large == {name: small[name] for name in counts.public_pages()}


def test_filled_comments_are_in_the_stored_counts(seeded):
    """The bench inserts through Core, past the session hook: it must recount, or the clause page
    it measures would claim no comments (and paginate nothing)."""
    from sqlalchemy import select

    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db

    fill.fill_to(seeded, 120)
    with seeded.app_context():
        stored = db.session.scalar(
            select(Clause.approved_count).join(Consultation, Clause.consultation_id == Consultation.id)
            .where(Consultation.slug == fill.SLUG, Clause.number == fill.CLAUSE))
    assert stored == 120


def _wrk_flow(tmp_path, clients: int, seconds: int, offered_per_s: float | None = None, **env):
    """The wrk comment flow against the app under gunicorn on a new SQLite database: the flow's
    result, the (body, receipt code) of every comment stored, and how many there were before."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make bench installs it)")
    from sqlalchemy import select

    from bench import load, servers
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db

    url = fill.database_url(None, tmp_path)
    app = fill.make_app(url, tmp_path)
    fill.prepare(app)
    before = _comments(app)
    with servers.gunicorn("app:app", tmp_path / "log", {**servers.app_env(url, tmp_path), **env}) as base:
        result = load.post_comments(base, fill.SLUG, 1, clients, seconds, offered_per_s=offered_per_s)
    with app.app_context():
        rows = db.session.execute(select(Comment.body, Comment.receipt_code)).all()
    return result, rows, before


@pytest.mark.slow
def test_the_wrk_comment_flow_posts_what_it_counts(tmp_path):
    """bench/comment_flow.lua drives intake: each wrk connection GETs the form, POSTs it with its
    tokens and follows the 303. Every comment it counts has a receipt page that answered 200, so
    the database holds that many new comments, plus at most one per client whose flow wrk stopped
    between the POST and the receipt page, each with its own text and receipt."""
    result, rows, before = _wrk_flow(tmp_path, 3, 6)
    assert result.errors == 0, result.error_kinds
    assert result.comments > 0 and result.p99_ms >= result.p50_ms > 0
    assert len({body for body, _ in rows}) == len(rows)
    assert result.comments <= len(rows) - before <= result.comments + 3
    assert len({code for _, code in rows}) == len(rows)


@pytest.mark.slow
def test_the_paced_comment_flow_waits_out_a_busy_answer_and_stores_each_comment_once(tmp_path):
    """With an offered rate, wrk's browsers start comments at that pace and answer a 503 by
    waiting its Retry-After and sending the same request again (a POST with the same tokens):
    one slot and no waiting places turn some requests away, and still every counted comment is
    stored exactly once, and each one that waited took at least the Retry-After."""
    result, rows, before = _wrk_flow(tmp_path, 12, 8, offered_per_s=40, WESTLAKE_MAX_IN_FLIGHT="1",
                                     WESTLAKE_MAX_WAITING="0", WESTLAKE_OVERLOAD_RETRY_AFTER="1", WEB_CONCURRENCY="1")
    assert result.errors == 0, result.error_kinds
    assert result.waited > 0 and result.comments > result.waited
    assert result.p99_ms >= 1000  # a comment that waited took its Retry-After
    assert len({body for body, _ in rows}) == len(rows)
    assert result.comments <= len(rows) - before <= result.comments + 12


def _comments(app) -> int:
    from sqlalchemy import func, select

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_publish_feedback_answers_every_other_comment_once(seeded):
    from sqlalchemy import func, select

    from westlake_feedback.moderation.models import Decision

    fill.fill_to(seeded, 40)
    fill.publish_feedback(seeded)
    fill.publish_feedback(seeded)  # again: nothing doubled
    with seeded.app_context():
        from westlake_feedback.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Decision)) == 20
    client = seeded.test_client()
    for path in (counts.public_pages()["feedback"], counts.public_pages()[f"feedback clause {fill.CLAUSE}"]):
        assert client.get(path).status_code == 200, path
    assert "查看逐条意见及答复(20条)" in client.get(counts.public_pages()["feedback"]).get_data(as_text=True)
