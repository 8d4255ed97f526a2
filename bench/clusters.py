"""`python bench/clusters.py`: the cost of near-duplicate clusters at scale.

1. Fills a throwaway database with BENCH_CLUSTER_SIZE comments (default 100,000) on one
   consultation: a third copies of a circulated letter, the rest opinions sharing stock phrases
   (bench/campaign.py), bulk-inserted through Core.
2. Times `flask clusters rebuild SLUG` over all of them.
3. Submits BENCH_CLUSTER_POSTS comments (default 300; copies and distinct opinions alike) through
   the real service (comments/services.submit_comment) and reports the p50/p90 of the time
   clustering (plan_cluster, join_cluster, count_into_cluster) adds to the POST, and of the whole submit with clustering and
   with it switched off, alternately.

BENCH_DATABASE_URL: a PostgreSQL database whose public schema is DROPPED first; default a temp
SQLite file.
"""
from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from bench import campaign, fill  # noqa: E402

SLUG = fill.SLUG


def say(message: str) -> None:
    print(f"[clusters {time.strftime('%H:%M:%S')}] {message}", flush=True)


def fill_campaign(app, total: int) -> None:
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.timeutil import now_utc

    items = campaign.generate(copies=total // 3, distinct=total - total // 3, seed=7)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        start = now_utc() - timedelta(days=1)
        for first in range(0, total, fill.BATCH):
            rows = []
            for n in range(first, min(first + fill.BATCH, total)):
                moment = start + timedelta(milliseconds=n)
                rows.append({
                    "consultation_id": consultation.id, "stance": "amend", "body": items[n][0],
                    "identity_type": "individual", "channel": "web", "status": "pending",
                    "receipt_code": f"BN{n:08d}{secrets.token_hex(3).upper()}", "created_at": moment,
                    "locale": "zh_CN",
                })
            db.session.execute(insert(Comment.__table__), rows)
            db.session.commit()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def time_posts(app, posts: int) -> dict[str, list[float]]:
    import westlake_feedback.comments.services as comment_services
    from westlake_feedback.clusters import services as cluster_services
    from westlake_feedback.comments.services import CommentInput, submit_comment
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db

    # A POST clusters in three steps (plan before the INSERT, join after it, count last); each is
    # timed, and "without" replaces all three with no-ops. A plan that finds nothing is kept so the
    # comment is still inserted without a cluster id.
    names = ("plan_cluster", "join_cluster", "count_into_cluster")
    real = {name: getattr(cluster_services, name) for name in names}
    added: list[float] = []
    added_cpu: list[float] = []
    spent = [0.0, 0.0]

    def timed(name):
        def run(*args):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return real[name](*args)
            finally:
                spent[0] += (time.perf_counter() - started) * 1000
                spent[1] += (time.process_time() - cpu) * 1000
        return run

    off = {"plan_cluster": lambda consultation_id, body: cluster_services.ClusterPlan(None, set()),
           "join_cluster": lambda comment, plan=None: plan, "count_into_cluster": lambda plan: None}
    items = campaign.generate(copies=posts, distinct=posts, seed=99)
    totals: dict[str, list[float]] = {"with clusters": [], "without": []}
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        for n in range(posts):
            clustered = n % 2 == 0
            for name in names:
                setattr(comment_services, name, timed(name) if clustered else off[name])
            spent[:] = [0.0, 0.0]
            data = CommentInput(stance="amend", body=items[n][0], identity_type="individual",
                                token=secrets.token_urlsafe(24))
            started = time.perf_counter()
            submit_comment(consultation, None, data)
            totals["with clusters" if clustered else "without"].append((time.perf_counter() - started) * 1000)
            if clustered:
                added.append(spent[0])
                added_cpu.append(spent[1])
        for name in names:
            setattr(comment_services, name, real[name])
    return {"clustering (wall)": added, "clustering (CPU of this process)": added_cpu, **totals}


def main() -> None:
    size = int(os.environ.get("BENCH_CLUSTER_SIZE") or 100_000)
    posts = int(os.environ.get("BENCH_CLUSTER_POSTS") or 300)
    workdir = Path(tempfile.mkdtemp(prefix="wf-bench-clusters-"))
    url = fill.database_url(os.environ.get("BENCH_DATABASE_URL"), workdir)
    app = fill.make_app(url, workdir / "instance")
    fill.prepare(app)
    say(f"database {url.split('@')[-1]}; filling {size:,} comments")
    fill_campaign(app, size)

    runner = app.test_cli_runner()
    say("rebuilding")
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(args=["clusters", "rebuild", SLUG])
    rebuild_s, rebuild_cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise RuntimeError(result.output) from result.exception
    say(f"rebuild of {size:,}: {rebuild_s:.1f} s wall, {rebuild_cpu:.1f} s CPU of this process, load average "
        f"{os.getloadavg()[0]:.1f} — {result.output.strip().splitlines()[-1]}")

    from westlake_feedback.clusters.models import ClusterBand
    from westlake_feedback.extensions import db

    with app.app_context():
        bands = db.session.scalar(select(func.count()).select_from(ClusterBand))
    say(f"{bands:,} band keys stored")
    timings = time_posts(app, posts)
    for name, values in timings.items():
        say(f"{name}: p50 {statistics.median(values):.2f} ms, p90 {percentile(values, 0.9):.2f} ms "
            f"({len(values)} comments)")


if __name__ == "__main__":
    main()
