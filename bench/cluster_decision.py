"""One moderation action and one decision for a whole 20,000-member cluster at 100,000 comments,
timed in-process (one POST to /staff/c/<slug>/clusters/<id>/apply) with its SQL statement count
and the CPU time of this process (SQLite's work included; PostgreSQL's is in its server).

bench/fill.py's 100,000 approved comments; every fifth one is made a pending member of one cluster
(20,000, spread over the table as campaign copies are), a tenth of those already with another
decision (rows to update, not insert). Building the cluster directly skips the rebuild
(bench/cluster_pages.py does the real one). Then 审核通过 + 部分采纳 with a response for the
cluster, and the counts checked against a recount.

    .venv/bin/python bench/cluster_decision.py                     # temp SQLite file
    CLUSTER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_x .venv/bin/python bench/cluster_decision.py
    CLUSTER_COMMENTS=20000 CLUSTER_EVERY=5 ...                       # smaller
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, update  # noqa: E402

from bench import counts, fill  # noqa: E402
from westlake_feedback.audit.models import AuditEntry  # noqa: E402
from westlake_feedback.clusters.models import CommentCluster  # noqa: E402
from westlake_feedback.comments.counts import recount_all  # noqa: E402
from westlake_feedback.comments.models import Comment  # noqa: E402
from westlake_feedback.consultations.models import Consultation  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402
from westlake_feedback.moderation.models import Decision  # noqa: E402
from westlake_feedback.timeutil import now_utc  # noqa: E402


def make_cluster(app, every: int) -> tuple[int, int]:
    """Every `every`-th comment becomes a pending member of one cluster; returns (id, size)."""
    with app.app_context():
        consultation_id = db.session.scalar(select(Consultation.id).where(Consultation.slug == fill.SLUG))
        members = db.session.scalars(select(Comment.id).where(Comment.id % every == 0).order_by(Comment.id)).all()
        first = members[0]
        db.session.execute(insert(CommentCluster.__table__).values(id=first, consultation_id=consultation_id,
                                                                   size=len(members)))
        table = Comment.__table__
        db.session.execute(update(table).where(table.c.id % every == 0)
                           .values(cluster_id=first, status="pending", moderated_at=None))
        now = now_utc()
        rows = [{"comment_id": m, "outcome": "not_adopted", "response": "旧的答复。", "decided_at": now,
                 "created_at": now} for m in members[1::10]]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Decision.__table__), rows[start:start + 5000])
        recount_all()
        db.session.commit()
    fill.analyze(app)
    return first, len(members)


def main() -> None:
    total = int(os.environ.get("CLUSTER_COMMENTS") or 100_000)
    every = int(os.environ.get("CLUSTER_EVERY") or 5)
    workdir = Path(tempfile.mkdtemp(prefix="wf-cluster-decision-"))
    url = fill.database_url(os.environ.get("CLUSTER_DATABASE_URL"), workdir)
    app = fill.make_app(url, workdir)
    fill.prepare(app)
    fill.fill_to(app, total)
    cluster_id, size = make_cluster(app, every)
    client = counts.staff_client(app)
    base = f"/staff/c/{fill.SLUG}/clusters/{cluster_id}"
    page = client.get(base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with counts.counting(app) as statements:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"{base}/apply", data={
            "csrf_token": token, "action": "approve", "outcome": "partly_adopted", "response": "已部分采纳。"})
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 303:
        raise RuntimeError(f"apply: {response.status_code}")
    with app.app_context():
        decided = db.session.scalar(select(func.count()).select_from(Decision)
                                    .where(Decision.outcome == "partly_adopted"))
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.action.in_(("approve", "decision"))))
        stored = db.session.scalar(select(Consultation.approved_count).where(Consultation.slug == fill.SLUG))
        wrong = recount_all()
        recounted = db.session.scalar(select(Consultation.approved_count).where(Consultation.slug == fill.SLUG))
        db.session.rollback()
    if decided != size or audited != 2 * size or stored != recounted or any(wrong.values()):
        raise RuntimeError(f"wrong rows: {decided} decisions, {audited} audit entries, count {stored} vs {recounted},"
                           f" wrong stored counts {wrong}")
    print(f"{url.split('://')[0]}, {total:,} comments: approve + decide a {size:,}-member cluster in one POST: "
          f"{elapsed:.2f} s ({cpu:.2f} s CPU of this process), {len(statements)} SQL statements ({decided:,} decisions, {audited:,} audit entries)")


if __name__ == "__main__":
    main()
