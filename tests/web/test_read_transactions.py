"""A request that only read ends with COMMIT on PostgreSQL, so the statements psycopg prepared on
its connection survive; anything that wrote and was not committed is still rolled back."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text, update

from helpers import STAFF_EMAILS, login, seed
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.tags.models import Tag

STAFF_QUEUE = "/staff/c/xihu-2023-demo/comments"


@contextmanager
def transaction_ends(app):
    """['commit' | 'rollback', ...] as the app's engine ends transactions."""
    with app.app_context():
        engine = db.engine
    ends: list[str] = []
    listeners = {"commit": lambda conn: ends.append("commit"), "rollback": lambda conn: ends.append("rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield ends
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server-side prepared statements to keep")


def test_a_staff_page_that_only_reads_commits_instead_of_rolling_back(seeded, login_as, database_url):
    postgresql_only(database_url)
    moderator = login_as("moderator")
    with transaction_ends(seeded) as ends:
        assert moderator.get(STAFF_QUEUE).status_code == 200
    assert ends == ["commit"]


def own_app_signed_in(app_factory):
    """An app of the test's own (its pool's connections, and their prepared statements, are new)
    and a moderator signed in to it."""
    app = app_factory()
    seed(app)
    client = app.test_client()
    assert login(client, STAFF_EMAILS["moderator"]).status_code == 302
    return app, client


def test_prepared_statements_outlive_read_only_requests(app_factory, staff, database_url):
    """psycopg prepares a statement once it has run five times on a connection and forgets all of
    them at a ROLLBACK: with the requests ending in ROLLBACK the count below is 0."""
    postgresql_only(database_url)
    app, client = own_app_signed_in(app_factory)
    for _ in range(7):
        assert client.get(STAFF_QUEUE).status_code == 200
    with app.app_context():
        prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared > 0


def test_the_queue_is_planned_for_each_request_s_values(app_factory, staff, database_url):
    """The queue's page and its counts (the statements with a LIMIT) are planned for the values of
    each request (status, page, search), never with the one generic plan PostgreSQL otherwise
    settles on after five runs. (The menu's pending counts, always for the same value, may be.)"""
    postgresql_only(database_url)
    app, client = own_app_signed_in(app_factory)
    for round_ in range(4):
        for status in ("pending", "approved", "rejected"):
            assert client.get(f"{STAFF_QUEUE}?status={status}&page={round_ + 1}").status_code == 200
    with app.app_context():
        plans = db.session.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM comments%LIMIT%'"
        )).all()
    assert plans, "the queue's statements were prepared"
    assert all(generic == 0 for generic, _custom in plans), plans
    assert max(custom for _generic, custom in plans) >= 6


def test_uncommitted_writes_are_still_rolled_back(seeded, database_url):
    """The teardown commits only a transaction that ran nothing but SELECTs."""
    with seeded.app_context():
        demo_id = db.session.scalar(select(Consultation.id).where(Consultation.slug == "xihu-2023-demo"))
        title = db.session.get(Consultation, demo_id).title
    with transaction_ends(seeded) as ends:
        with seeded.app_context():  # a Core UPDATE, never committed
            db.session.execute(update(Consultation).where(Consultation.id == demo_id).values(title="改过"))
        with seeded.app_context():  # an object added, never flushed
            db.session.add(Tag(consultation_id=demo_id, name="未提交"))
        with seeded.app_context():  # an object changed, never flushed
            db.session.get(Consultation, demo_id).title = "也改过"
        with seeded.app_context():  # flushed, never committed
            db.session.add(Tag(consultation_id=demo_id, name="已写未提交"))
            db.session.flush()
    assert "commit" not in ends
    with seeded.app_context():
        assert db.session.get(Consultation, demo_id).title == title
        assert db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_objects_read_in_a_context_stay_loaded_after_it(seeded, database_url):
    """As when the session was closed with a rollback: the commit expires nothing."""
    with transaction_ends(seeded) as ends:
        with seeded.app_context():
            consultations = list(db.session.scalars(select(Consultation)))
    assert ends == (["commit"] if database_url.startswith("postgresql") else ["rollback"])
    assert {c.slug for c in consultations} >= {"xihu-2023-demo"}


def test_a_failed_request_is_rolled_back(seeded, database_url):
    postgresql_only(database_url)
    with transaction_ends(seeded) as ends:
        with pytest.raises(RuntimeError):
            with seeded.app_context():
                db.session.execute(select(Consultation.id)).all()
                raise RuntimeError("the view failed")
    assert ends == ["rollback"]
