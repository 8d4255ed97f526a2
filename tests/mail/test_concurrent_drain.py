"""Several workers draining one outbox at once: each message is claimed by one of them and
delivered exactly once (FOR UPDATE SKIP LOCKED on PostgreSQL, a guarded UPDATE on SQLite)."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from westlake_feedback.extensions import db
from westlake_feedback.mail.models import OutboxMessage
from westlake_feedback.mail.sender import claim_batch, drain
from westlake_feedback.mail.services import enqueue


def fill_outbox(app, count: int) -> list[int]:
    with app.app_context():
        rows = [enqueue("digest", [f"office{n}@example.com"], f"【意见征集日报】第{n}封", "正文") for n in range(count)]
        db.session.commit()
        return [row.id for row in rows]


def run_together(apps, target) -> list:
    """Run target(app) in one thread per app, released at the same moment; return results."""
    barrier = threading.Barrier(len(apps))
    results: list = [None] * len(apps)
    errors: list = []

    def work(index, app):
        try:
            with app.app_context():
                barrier.wait()
                results[index] = target(app)
                db.session.remove()
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, app)) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_workers_draining_together_send_each_message_once(app_factory, smtp_server):
    workers = [app_factory(**smtp_server.config, OUTBOX_BATCH_SIZE=4) for _ in range(2)]
    ids = fill_outbox(workers[0], 60)
    smtp_server.handler.delay = 0.005  # a server that takes a moment, so the workers overlap
    results = run_together(workers, lambda app: drain())
    assert sum(result.sent for result in results) == 60
    assert all(result.sent > 0 for result in results), [str(r) for r in results]  # both did work
    delivered = Counter(item.outbox_id for item in smtp_server.received)
    assert sorted(delivered) == ids
    assert set(delivered.values()) == {1}
    with workers[0].app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_concurrent_claims_never_overlap(app_factory):
    workers = [app_factory(OUTBOX_LEASE_SECONDS=600) for _ in range(4)]
    ids = fill_outbox(workers[0], 80)

    def claim_all(app):
        mine = []
        while True:
            _token, rows = claim_batch(3, datetime.now(timezone.utc))
            if not rows:
                return mine
            mine.extend(row.id for row in rows)

    claimed = run_together(workers, claim_all)
    flat = [message_id for mine in claimed for message_id in mine]
    assert sorted(flat) == ids  # every message claimed, none twice
    assert sum(1 for mine in claimed if mine) >= 2


def test_a_killed_worker_lease_expires_and_another_sends_its_batch(app_factory, smtp_server):
    app = app_factory(**smtp_server.config, OUTBOX_LEASE_SECONDS=300)
    ids = fill_outbox(app, 3)
    with app.app_context():
        now = datetime.now(timezone.utc)
        _token, rows = claim_batch(10, now)  # ... and the worker dies before sending
        assert [row.id for row in rows] == ids
        assert drain(now=now + timedelta(seconds=299)).sent == 0  # still leased
        assert drain(now=now + timedelta(seconds=301)).sent == 3
    assert sorted(item.outbox_id for item in smtp_server.received) == ids
