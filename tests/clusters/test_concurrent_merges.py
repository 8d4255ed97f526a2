"""Copies of a campaign arriving at once: clusters that merge under concurrent requests keep
every comment in a cluster that exists, with the right size, and no request fails."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, select, text

from helpers import comment_on
from westlake_feedback.clusters.models import CommentCluster
from westlake_feedback.comments.models import Comment
from westlake_feedback import db_errors
from westlake_feedback.clusters.services import ClusterChanged
from westlake_feedback.db_errors import is_retryable
from westlake_feedback.extensions import db

SLUG = "xihu-2023-demo"
THREADS, EACH = 6, 15


def test_concurrent_copies_that_merge_clusters_lose_no_comment_from_its_cluster(seeded):
    """Six requests at a time post near-identical copies (as the bench's comment flow does):
    copies stored side by side start clusters of their own, and the next copy that matches
    several merges them. Without the merge's locks, on PostgreSQL a cluster deleted by one merge
    took with it (ON DELETE SET NULL) the cluster of a copy another request had just stored in it,
    and two merges could deadlock."""
    failures: Counter[str] = Counter()
    start = threading.Barrier(THREADS)

    def post(worker: int) -> None:
        with seeded.app_context():
            start.wait()
            for n in range(EACH):
                try:
                    comment_on(SLUG, 1, body=f"压测意见{worker}-{n}:建议进一步明确申报条件和兑现时间。")
                except Exception as error:  # noqa: BLE001 - counted and reported below
                    failures[f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"] += 1
                    db.session.rollback()

    threads = [threading.Thread(target=post, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    with seeded.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.clause_id.is_not(None)))
        assert stored == THREADS * EACH
        assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.cluster_id.is_(None))) == 0
        sizes = dict(db.session.execute(select(CommentCluster.id, CommentCluster.size)).all())
        members = dict(db.session.execute(select(Comment.cluster_id, func.count()).group_by(Comment.cluster_id)).all())
        assert members == sizes  # every cluster referred to exists, and its size is its members
        assert max(sizes.values()) >= THREADS * EACH // 2  # the campaign did come together


def test_a_deadlock_is_an_error_to_run_the_transaction_again(database_url):
    """The errors the comment services retry on are PostgreSQL's deadlock and serialisation
    failures, as psycopg raises them (here a real deadlock between two connections)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: it has no deadlocks")
    engine = create_engine(database_url)
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE IF NOT EXISTS deadlock_probe (id int PRIMARY KEY)"))
        setup.execute(text("INSERT INTO deadlock_probe VALUES (1), (2) ON CONFLICT DO NOTHING"))
    errors: list[Exception] = []
    both_locked = threading.Barrier(2)

    def lock(first: int, second: int) -> None:
        with engine.connect() as connection:
            try:
                connection.execute(text("SELECT 1 FROM deadlock_probe WHERE id = :id FOR UPDATE"), {"id": first})
                both_locked.wait()
                connection.execute(text("SELECT 1 FROM deadlock_probe WHERE id = :id FOR UPDATE"), {"id": second})
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            connection.rollback()

    try:
        threads = [threading.Thread(target=lock, args=pair) for pair in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(errors) == 1 and is_retryable(errors[0]), errors
        assert not is_retryable(type(errors[0])("statement", {}, Exception("syntax")))
    finally:
        with engine.begin() as cleanup:
            cleanup.execute(text("DROP TABLE deadlock_probe"))
        engine.dispose()


def _lose_the_race(monkeypatch, times: int) -> list[int]:
    """lock_for_merge raises ClusterChanged, as when a concurrent merge took the clusters this
    comment matched, for the first `times` calls; the list counts the calls."""
    from westlake_feedback.clusters import services as clusters
    from westlake_feedback.comments import services as comments

    calls: list[int] = []
    real = clusters.lock_for_merge

    def losing(plan):
        calls.append(1)
        if len(calls) <= times:
            raise ClusterChanged([])
        return real(plan)

    monkeypatch.setattr(comments, "lock_for_merge", losing)
    monkeypatch.setattr(db_errors, "FIRST_PAUSE_S", 0.0)
    return calls


def test_a_comment_that_loses_several_races_in_a_row_is_still_stored(seeded, monkeypatch):
    calls = _lose_the_race(monkeypatch, db_errors.ATTEMPTS - 1)
    with seeded.app_context():
        comment = comment_on(SLUG, 1, body="连续几次遇到并发合并的意见,最终仍然保存。")
        assert len(calls) == db_errors.ATTEMPTS
        assert db.session.get(Comment, comment.id).receipt_code == comment.receipt_code


def test_a_comment_that_always_loses_is_refused_and_nothing_is_half_stored(seeded, monkeypatch):
    calls = _lose_the_race(monkeypatch, 10**6)
    with seeded.app_context():
        before = db.session.scalar(select(func.count()).select_from(Comment))
        with pytest.raises(db_errors.StoreFailed):
            comment_on(SLUG, 1, body="总是遇到并发合并的意见。")
        db.session.rollback()
        assert len(calls) == db_errors.ATTEMPTS
        assert db.session.scalar(select(func.count()).select_from(Comment)) == before


def test_retries_pause_a_random_growing_time(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(db_errors.time, "sleep", pauses.append)
    assert list(db_errors.attempts()) == list(range(db_errors.ATTEMPTS))
    assert len(pauses) == db_errors.ATTEMPTS - 1
    caps = [min(db_errors.FIRST_PAUSE_S * 2 ** n, db_errors.LONGEST_PAUSE_S) for n in range(1, db_errors.ATTEMPTS)]
    assert all(0 <= pause <= cap for pause, cap in zip(pauses, caps)), (pauses, caps)
    assert sum(caps) < 0.6  # a request that keeps losing still answers quickly
