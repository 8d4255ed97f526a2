"""The published feedback's stored tallies (feedback/tallies.py) stay equal to a fresh count of the
comments whatever changes them: web and offline intake (spam included), per-comment moderation
and decisions, bulk moderation, cluster actions (Core statements), a comment moved to another
clause, deleted decisions and comments, rolled-back transactions and savepoints. The summary read
from them gives what counting the comments gives; `flask counts recount` repairs them."""
from __future__ import annotations

import random
import secrets

import pytest
from sqlalchemy import select, update

import westlake_feedback.moderation  # noqa: F401  (first: clusters.staff and moderation import each other)
from helpers import comment_on, make_comment
from westlake_feedback.accounts.models import User
from westlake_feedback.clusters.models import CommentCluster
from westlake_feedback.clusters.staff import ClusterAction, apply_to_cluster, apply_to_rest
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.feedback.models import FeedbackTally
from westlake_feedback.feedback.report import build_report
from westlake_feedback.feedback.tallies import stored_tallies, true_tallies
from westlake_feedback.intake.services import OfflineInput, record_offline_comment
from westlake_feedback.moderation.decisions import set_decision
from westlake_feedback.moderation.models import Decision
from westlake_feedback.moderation.services import ModerationError, approve, bulk_moderate, mark_spam, reject, redact
from westlake_feedback.timeutil import now_utc, to_local

SLUG = "xihu-2023-demo"  # open: web and offline comments are accepted
CLAUSES = (12, 3, None)
OUTCOMES = ("adopted", "partly_adopted", "not_adopted", "explained")
# A few campaign texts, so that comments form clusters of several members.
CAMPAIGNS = ("请把第十二条的补贴标准提高到每户三千元,并简化申报材料。",
             "坚决支持在小区室外集中建设充电车棚,由街道统一监督物业落实巡查。",
             "建议对高校毕业生创业给予三年房租补贴,并设立专门的受理窗口。")


def tallies_and_recount() -> tuple[dict, dict]:
    """(the stored tallies, a fresh GROUP BY of the comments), as {key: count} without zeros."""
    stored = stored_tallies(db.session.connection())
    true = {tuple(row[:-1]): row[-1] for row in db.session.execute(true_tallies())}
    return stored, true


def assert_tallies_right(step: str = "") -> None:
    db.session.remove()
    stored, true = tallies_and_recount()
    assert stored == true, step
    db.session.remove()


def _actor(role: str = "moderator") -> User:
    return db.session.scalar(select(User).where(User.email == f"{role}@xihu.example"))


def _consultation() -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))


def _comment_ids() -> list[int]:
    return list(db.session.scalars(select(Comment.id).join(Consultation).where(Consultation.slug == SLUG)
                                   .order_by(Comment.id)))


def _response(outcome: str) -> str:
    return "" if outcome == "adopted" else f"对{outcome}的答复说明。"


class Operations:
    """Each operation as staff (or a commenter) does it, through the services the views call, in
    its own transaction."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _some(self) -> Comment | None:
        ids = _comment_ids()
        return db.session.get(Comment, self.rng.choice(ids)) if ids else None

    def web(self):
        comment_on(SLUG, self.rng.choice(CLAUSES), body=self.rng.choice(CAMPAIGNS),
                   honeypot="x" if self.rng.random() < 0.15 else "")

    def offline(self):
        record_offline_comment(_consultation(), OfflineInput(
            channel="letter", received_on=to_local(now_utc()).date(), stance="amend",
            body=self.rng.choice(CAMPAIGNS), identity_type="individual", clause_number=self.rng.choice(CLAUSES),
            token=secrets.token_urlsafe(16)), by=_actor())

    def moderate(self):
        comment = self._some()
        kind = self.rng.choice(("approve", "reject", "spam"))
        if kind == "approve":
            approve(comment, _actor())
        elif kind == "reject":
            reject(comment, _actor(), "off_topic")
        else:
            mark_spam(comment, _actor())
        db.session.commit()

    def decide(self):
        outcome = self.rng.choice(OUTCOMES)
        set_decision(self._some(), _actor(), outcome, _response(outcome))
        db.session.commit()

    def bulk(self):
        ids = self.rng.sample(_comment_ids(), k=min(4, len(_comment_ids())))
        action = self.rng.choice(("approve", "reject", "spam"))
        bulk_moderate(_consultation(), [str(i) for i in ids], action, _actor(),
                      reason="duplicate" if action == "reject" else None)
        db.session.commit()

    def cluster(self):
        comment = self._some()
        cluster = db.session.get(CommentCluster, comment.cluster_id)
        outcome = self.rng.choice((None, *OUTCOMES))
        action = self.rng.choice((None, "approve", "reject", "spam")) if outcome else self.rng.choice(
            ("approve", "reject", "spam"))
        apply_to_cluster(cluster, ClusterAction(action, reason="advertising" if action == "reject" else None,
                                                outcome=outcome, response=_response(outcome or "")), _actor())
        db.session.commit()

    def rest(self):
        cluster = db.session.get(CommentCluster, self._some().cluster_id)
        try:
            apply_to_rest(cluster, _actor())
        except ModerationError:  # its first comment has no decision yet
            db.session.rollback()
            return
        db.session.commit()

    def redact(self):  # the published text changes, no count does
        redact(self._some(), _actor(), "已删改的公开文本,去掉了个人信息。")
        db.session.commit()

    def move(self):
        """A comment put on another clause (no page does this yet; the hook must follow it)."""
        comment = self._some()
        number = self.rng.choice(CLAUSES)
        comment.clause = None if number is None else db.session.scalar(
            select(Clause).where(Clause.consultation_id == comment.consultation_id, Clause.number == number))
        db.session.commit()

    def withdraw_decision(self):
        ids = list(db.session.scalars(select(Decision.id).join(Comment).where(Comment.consultation_id == _consultation().id)
                                      .order_by(Decision.id)))
        if ids:
            db.session.delete(db.session.get(Decision, self.rng.choice(ids)))
            db.session.commit()

    def delete(self):
        """A comment deleted (its decision goes with it, by the database's ON DELETE CASCADE)."""
        db.session.delete(self._some())
        db.session.commit()

    def rolled_back(self):
        comment = self._some()
        comment.status = "approved" if comment.status != "approved" else "rejected"
        if comment.decision is None:
            db.session.add(Decision(comment=comment, outcome="adopted", response=""))
        db.session.flush()
        db.session.rollback()

    WEIGHTS = {"web": 6, "offline": 2, "moderate": 5, "decide": 5, "bulk": 2, "cluster": 3, "rest": 1, "redact": 1,
               "move": 1, "withdraw_decision": 1, "delete": 1, "rolled_back": 1}


@pytest.mark.parametrize("seed", [7, 2026])
def test_random_changes_keep_the_tallies_equal_to_a_recount(seeded, staff, seed):
    rng = random.Random(seed)
    operations = Operations(rng)
    names, weights = zip(*Operations.WEIGHTS.items())
    with seeded.app_context():
        for _ in range(8):
            operations.web()
        assert_tallies_right("intake")
        done = []
        for step in range(70):
            name = rng.choices(names, weights)[0]
            db.session.remove()
            getattr(operations, name)()
            done.append(name)
            assert_tallies_right(f"step {step}: {name} (after {done[:-1]})")
        assert {"cluster", "bulk", "delete", "decide", "moderate"} <= set(done)
        # Every status and outcome is there to be counted.
        stored, _true = tallies_and_recount()
        assert {key[3] for key in stored} == {"pending", "approved", "rejected", "spam"}
        assert_report_matches_the_comments()


def assert_report_matches_the_comments() -> None:
    """The summary read from the tallies says what counting the comments says."""
    consultation = _consultation()
    report = build_report(consultation)
    rows = db.session.execute(
        select(Comment.clause_id, Comment.status, Decision.outcome).outerjoin(Decision)
        .where(Comment.consultation_id == consultation.id)).all()
    opinions = [row for row in rows if row.status != "spam"]
    assert report.received == len(opinions)
    for outcome in OUTCOMES:
        assert report.outcomes[outcome] == sum(1 for row in opinions if row.outcome == outcome)
    assert report.outcomes["undecided"] == sum(1 for row in opinions if row.outcome is None)
    items = [item for group in report.sections for item in group.clauses]
    items += [report.whole_document] if report.whole_document else []
    assert {item.clause.id if item.clause else None for item in items} == {row.clause_id for row in opinions}
    for item in items:
        clause_id = item.clause.id if item.clause else None
        mine = [row for row in opinions if row.clause_id == clause_id]
        assert item.received == len(mine)
        assert item.tally.entries == sum(1 for row in mine if row.status == "approved" and row.outcome)


def test_a_rolled_back_savepoint_or_transaction_counts_nothing(seeded):
    with seeded.app_context():
        ids = [make_comment(SLUG, 12, body=f"回滚测试意见{n}号。") for n in range(3)]
        assert_tallies_right("made")
        first, second, third = (db.session.get(Comment, i) for i in ids)
        first.status = "approved"
        savepoint = db.session.begin_nested()
        second.status = "spam"
        db.session.add(Decision(comment=second, outcome="adopted", response=""))
        db.session.flush()
        savepoint.rollback()
        db.session.commit()  # the first comment's approval only
        assert_tallies_right("savepoint")
        third = db.session.get(Comment, ids[2])
        third.status = "rejected"
        db.session.flush()
        db.session.rollback()
        db.session.get(Comment, ids[0]).publish_name = False  # a commit that changes no count
        db.session.commit()
        assert_tallies_right("rollback")
        statuses = {key[3]: count for key, count in stored_tallies(db.session.connection()).items()}
        assert statuses == {"approved": 1, "pending": 2}


def test_a_comment_set_without_reading_its_old_values_still_moves(seeded):
    """Moderated right after a commit expired it: the old status is read when the new one is set."""
    with seeded.app_context():
        comment_id = make_comment(SLUG, 12, body="过期对象测试意见。")
        comment = db.session.get(Comment, comment_id)
        db.session.commit()  # expires it
        comment.status = "approved"
        db.session.add(Decision(comment_id=comment_id, outcome="explained", response="已说明。"))
        db.session.commit()
        assert_tallies_right()
        assert set(stored_tallies(db.session.connection()).values()) == {1}


def test_recount_command_repairs_wrong_counts(seeded, app):
    with seeded.app_context():
        ids = [make_comment(SLUG, clause, body="修复测试意见。", status="approved") for clause in (12, None)]
        db.session.add(Decision(comment_id=ids[0], outcome="adopted", response=""))
        db.session.commit()
        # Written past every hook, as a stray script might.
        db.session.execute(update(FeedbackTally).where(FeedbackTally.clause_id.is_(None)).values(count=5))
        db.session.execute(update(Clause).where(Clause.id == db.session.get(Comment, ids[0]).clause_id)
                           .values(approved_count=9))
        db.session.commit()
    runner = seeded.test_cli_runner()
    first = runner.invoke(args=["counts", "recount"])
    assert first.exit_code == 0, first.output
    assert "1 clauses, 0 consultations, 1 feedback tallies" in first.output
    with seeded.app_context():
        assert_tallies_right()
    again = runner.invoke(args=["counts", "recount"])
    assert "0 clauses, 0 consultations, 0 feedback tallies" in again.output


def test_concurrent_writers_lose_no_count(seeded, staff, database_url):
    """Commenters and moderators at once on one clause: the same tally rows, first made by
    concurrent upserts, then incremented and decremented by all of them; none is lost."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers: PostgreSQL (SQLite serialises writers anyway)")
    import threading

    with seeded.app_context():
        ids = [make_comment(SLUG, 12, body=f"并发审核的意见{n}号。") for n in range(12)]
    barrier = threading.Barrier(6)
    errors = []

    def moderate(chunk):
        try:
            with seeded.app_context():
                comments = [db.session.get(Comment, i) for i in chunk]
                barrier.wait(timeout=10)
                for comment in comments:
                    approve(comment, _actor())
                    set_decision(comment, _actor(), "explained", "已作说明。")
                db.session.commit()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    def comment(n):
        try:
            with seeded.app_context():
                barrier.wait(timeout=10)
                for k in range(3):  # the whole draft's pending row does not exist before the first
                    comment_on(SLUG, None, body=f"并发提交的意见,第{n}组第{k}条,内容各不相同{secrets.token_hex(4)}。")
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=moderate, args=(ids[n::3],)) for n in range(3)]
    threads += [threading.Thread(target=comment, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with seeded.app_context():
        assert_tallies_right()
        counts = {(key[1] is None, key[3], key[4]): n for key, n in stored_tallies(db.session.connection()).items()}
    assert counts == {(False, "approved", "explained"): 12, (True, "pending", "undecided"): 9}
