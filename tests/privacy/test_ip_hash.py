"""Client addresses are hashed with a random key per local month, kept in the database and
destroyed by the purge once the month is over: linkable within the month, not reversible after."""
from __future__ import annotations

import hashlib
import hmac

import time_machine
from sqlalchemy import select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.privacy.iphash import hash_ip
from westlake_feedback.privacy.models import IpHashKey
from helpers import consultation, form_tokens, local, seed, valid_comment

CLAUSE = "/c/xihu-2023-demo/clauses/3"
IP = "198.51.100.7"


def comment_from(client, ip: str) -> str:
    page = client.get(CLAUSE)
    response = client.post(f"{CLAUSE}/comment", data={**form_tokens(page.get_data(as_text=True)), **valid_comment()},
                           environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[-1]
    return db.session.scalar(select(Comment.ip_hash).where(Comment.receipt_code == code))


def seed_open_all_year(app) -> None:
    with time_machine.travel(local("2026-01-05 10:00"), tick=False):
        seed(app)
    with app.app_context():
        consultation("xihu-2023-demo").closes_at = local("2026-12-31 00:00")
        db.session.commit()


def periods() -> list[str]:
    return db.session.scalars(select(IpHashKey.period).order_by(IpHashKey.period)).all()


def test_same_address_same_month_same_hash_other_month_other_hash_and_no_secret_key_hash(app):
    seed_open_all_year(app)
    client = app.test_client()
    with app.app_context():
        with time_machine.travel(local("2026-01-05 10:00"), tick=False):
            first = comment_from(client, IP)
            other_address = comment_from(client, "198.51.100.8")
        with time_machine.travel(local("2026-01-31 23:59"), tick=False):
            same_month = comment_from(client, IP)
        with time_machine.travel(local("2026-02-01 00:01"), tick=False):
            next_month = comment_from(client, IP)
        assert first == same_month
        assert other_address != first and next_month != first
        assert periods() == ["2026-01", "2026-02"]
        # No longer the old HMAC under the app's secret key, which anyone with it could brute-force for ever.
        old_scheme = hmac.new(app.config["SECRET_KEY"].encode(), b"ip:" + IP.encode(), hashlib.sha256).hexdigest()
        assert first != old_scheme and IP not in first


def test_the_purge_destroys_a_month_key_after_the_month_and_the_hash_cannot_be_recomputed(app):
    seed_open_all_year(app)
    client = app.test_client()
    runner = app.test_cli_runner()
    with app.app_context():
        with time_machine.travel(local("2026-01-20 10:00"), tick=False):
            stored = comment_from(client, IP)
            assert hash_ip(IP) == stored  # while the key exists, it can be recomputed (and brute-forced)
        with time_machine.travel(local("2026-02-01 23:59:59"), tick=False):  # IP_HASH_KEY_DAYS = 1
            assert "IP hash keys of no month" in runner.invoke(args=["privacy", "purge"]).output
            db.session.expire_all()
            assert periods() == ["2026-01"]
        with time_machine.travel(local("2026-02-02 00:00"), tick=False):
            result = runner.invoke(args=["privacy", "purge"])
            assert "removed: IP hash keys of 2026-01" in result.output
            db.session.expire_all()
            assert periods() == []
            assert hash_ip(IP, at=local("2026-01-20 10:00")) is None  # the key is gone: nothing to compare with
            assert periods() == []  # and not made again for a month that is over
            later = comment_from(client, IP)
        assert later != stored and periods() == ["2026-02"]
        assert db.session.scalar(select(Comment.ip_hash).where(Comment.ip_hash == stored)) == stored  # kept, unlinkable


def test_a_month_key_that_was_rolled_back_is_never_used(app):
    """The process keeps month keys it has read, but only committed ones: a key made in a
    transaction that rolled back (a failed import, say) must not hash the next comments."""
    seed_open_all_year(app)
    client = app.test_client()
    with app.app_context():
        with time_machine.travel(local("2026-03-10 10:00"), tick=False):
            lost = hash_ip(IP)  # makes March's key in this transaction,
            assert hash_ip(IP) == lost  # reads it back (uncommitted) ...
            db.session.rollback()  # ... which is rolled back
            assert periods() == []
            stored = comment_from(client, IP)
            key = db.session.scalar(select(IpHashKey.secret).where(IpHashKey.period == "2026-03"))
            assert stored == hmac.new(key, b"ip:" + IP.encode(), hashlib.sha256).hexdigest() != lost
            assert comment_from(client, IP) == stored == hash_ip(IP)  # and the known key is the stored one
