"""A throwaway database for the bench: schema, seed, and many approved comments on one clause.

The schema and the seed go through the real commands (`flask db upgrade`, `flask consultations
seed`); comments are bulk-inserted through SQLAlchemy Core, thousands of rows per statement.
"""
from __future__ import annotations

import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from westlake_feedback import create_app
from westlake_feedback.comments.counts import recount_all
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.timeutil import now_utc

SLUG = "xihu-2023-demo"
CLAUSE = 12
STAFF_EMAIL = "bench-admin@xihu.example"
STAFF_PASSWORD = "Westlake-Bench-2026!"
BATCH = 5000
# Chinese bodies so the staff search (q=申报) has something to find in every fifth row.
BODIES = (
    "建议进一步明确申报条件和兑现时间,第{n}条意见。",
    "资金拨付流程过长,希望压缩到三十个工作日以内({n})。",
    "对本条表示支持,尤其是对小微企业的扶持力度({n})。",
    "建议增加对高校毕业生创业的专项补贴条款({n})。",
    "第十二条的适用范围不够清楚,请补充说明({n})。",
)


def database_url(given: str | None, workdir: Path) -> str:
    """The given URL with its public schema dropped and recreated, else a new SQLite file."""
    if not given:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    if given.startswith("postgresql"):
        engine = create_engine(given)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return given


def bench_config(url: str, instance: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench-secret", "OUTBOX_DIR": str(instance / "outbox")}


def make_app(url: str, instance: Path | None = None):
    instance = instance or Path(tempfile.mkdtemp(prefix="wf-bench-"))
    return create_app(bench_config(url, instance))


def prepare(app) -> None:
    """`flask db upgrade`, `flask consultations seed` and a staff admin to sign in with."""
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["consultations", "seed"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.output}") from result.exception
    create_staff(app)


def create_staff(app) -> None:
    from westlake_feedback.accounts.services import create_user

    with app.app_context():
        create_user(STAFF_EMAIL, "admin", STAFF_PASSWORD)
        db.session.commit()


def comment_count(app, slug: str = SLUG, clause_number: int = CLAUSE) -> int:
    """Approved comments on the clause (comments the POST bench adds wait in the queue)."""
    with app.app_context():
        return db.session.scalar(
            select(func.count(Comment.id)).join(Clause, Comment.clause_id == Clause.id)
            .join(Consultation, Clause.consultation_id == Consultation.id)
            .where(Consultation.slug == slug, Clause.number == clause_number, Comment.status == "approved")
        )


def fill_to(app, total: int, slug: str = SLUG, clause_number: int = CLAUSE) -> int:
    """Insert approved comments on one clause until it holds `total`; returns how many were
    inserted."""
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        clause_id = db.session.scalar(
            select(Clause.id).where(Clause.consultation_id == consultation.id, Clause.number == clause_number)
        )
        have = comment_count(app, slug, clause_number)
        missing = max(total - have, 0)
        start = now_utc() - timedelta(days=1)
        table = Comment.__table__
        for first in range(have, have + missing, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, have + missing)):
                moment = start + timedelta(milliseconds=n)
                rows.append({
                    "consultation_id": consultation.id, "clause_id": clause_id,
                    "stance": ("support", "oppose", "amend")[n % 3],
                    "body": BODIES[n % len(BODIES)].format(n=n), "name": f"市民{n}",
                    "identity_type": "individual", "email": f"citizen{n}@example.com",
                    "consent_at": moment, "publish_name": n % 2 == 0, "channel": "web",
                    "receipt_code": f"BN{n:08d}{secrets.token_hex(3).upper()}", "status": "approved",
                    "created_at": moment, "moderated_at": moment, "locale": "zh_CN",
                })
            db.session.execute(insert(table), rows)
            db.session.commit()
        recount_all()  # a bulk Core INSERT bypasses the stored approved counts
        db.session.commit()
        analyze(app)
        return missing


def analyze(app) -> None:
    """PostgreSQL plans by its statistics, which autovacuum refreshes some time after a bulk
    load; a database in use has them. Without them the planner took the 100,000 fresh rows for
    one and chose nested loops over all of them (the queue's section filter: 200 ms, not 96)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")


def withdraw_feedback(app, slug: str = SLUG) -> None:
    """The consultation's feedback unpublished again (through the ORM, so the page-cache version
    moves): intake is measured as it happens, in an open window before any feedback is published.
    With feedback published, every new comment changes a public page (its counts) and so the
    cached clause page each commenter GETs."""
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.feedback_published_at = None
        db.session.commit()


def publish_feedback(app, slug: str = SLUG, clause_number: int = CLAUSE) -> None:
    """Every other comment on the clause gets a decision (one INSERT ... SELECT), the clause an
    answer, and the consultation its published feedback (the window is not checked: the demo
    consultation is open). Idempotent: comments that have a decision keep it."""
    from sqlalchemy import case, literal, update

    from westlake_feedback.moderation.models import ClauseResponse, Decision

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        clause = db.session.scalar(
            select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == clause_number))
        outcome = case((Comment.id % 8 == 0, "adopted"), (Comment.id % 8 == 2, "partly_adopted"),
                       (Comment.id % 8 == 4, "not_adopted"), else_="explained")
        decided = select(Decision.comment_id).where(Decision.comment_id == Comment.id).exists()
        rows = select(Comment.id, outcome, literal("感谢您的意见,已研究处理。"), Comment.created_at,
                      Comment.created_at).where(Comment.clause_id == clause.id, Comment.id % 2 == 0, ~decided)
        db.session.execute(insert(Decision.__table__).from_select(
            ["comment_id", "outcome", "response", "decided_at", "created_at"], rows))
        recount_all()  # a bulk Core INSERT bypasses the published feedback's stored tallies
        if db.session.scalar(select(ClauseResponse).where(ClauseResponse.clause_id == clause.id)) is None:
            db.session.add(ClauseResponse(clause_id=clause.id, text="本条收到的意见已逐条研究。"))
        db.session.execute(update(Consultation).where(Consultation.id == consultation.id)
                           .values(feedback_published_at=func.coalesce(Consultation.feedback_published_at,
                                                                       now_utc())))
        db.session.commit()
        analyze(app)
