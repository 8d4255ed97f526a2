"""The bench's fill and query-count code, run in-process at a tiny size so it cannot rot, and the
query-count budget of the public pages: a constant, whatever the number of comments."""
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
