"""The staff cluster pages and the queue's cluster filter and sort, timed in-process at 100,000
comments, with their SQL statement counts; then one decision applied to the largest cluster.

The bench/fill.py comments are varied so that the clusters look like a consultation with a
campaign: a tenth of them become copies of the circulated letter (bench/campaign.py), three tenths
distinct opinions (mostly clusters of one), the rest keep fill.py's five texts (five big clusters);
then `flask clusters rebuild`.

    .venv/bin/python bench/cluster_pages.py                       # temp SQLite file, 100,000 comments
    CLUSTER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_x .venv/bin/python bench/cluster_pages.py
    CLUSTER_SIZE=20000 ...                                         # fewer comments
"""
from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, func, select, text, update  # noqa: E402

from bench import campaign, counts, fill  # noqa: E402
from westlake_feedback.clusters.models import CommentCluster  # noqa: E402
from westlake_feedback.comments.models import Comment  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402


def vary(app) -> None:
    rng = random.Random(7)
    with app.app_context():
        ids = db.session.scalars(select(Comment.id).order_by(Comment.id)).all()
        rows = []
        for comment_id in ids:
            if comment_id % 10 == 5:
                rows.append({"member": comment_id, "text": campaign.campaign_copy(rng)})
            elif comment_id % 10 in (4, 6, 8):
                rows.append({"member": comment_id, "text": campaign.distinct_opinion(rng)})
        table = Comment.__table__
        statement = update(table).where(table.c.id == bindparam("member")).values(body=bindparam("text"))
        for start in range(0, len(rows), 5000):
            db.session.execute(statement, rows[start:start + 5000])
        db.session.commit()


def timed(client, url: str, runs: int) -> float:
    client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return statistics.median(times)


def main() -> None:
    size = int(os.environ.get("CLUSTER_SIZE") or 100_000)
    runs = int(os.environ.get("CLUSTER_RUNS") or 5)
    workdir = Path(tempfile.mkdtemp(prefix="wf-clusters-"))
    url = fill.database_url(os.environ.get("CLUSTER_DATABASE_URL"), workdir)
    app = fill.make_app(url, workdir)
    fill.prepare(app)
    fill.fill_to(app, size)
    vary(app)
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["clusters", "rebuild", fill.SLUG])
    if result.exit_code:
        raise RuntimeError(result.output)
    rebuilt = time.perf_counter() - started
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # as autovacuum would after such a load
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    with app.app_context():
        largest = db.session.scalar(select(CommentCluster).order_by(CommentCluster.size.desc()).limit(1))
        largest_id, largest_size = largest.id, largest.size
        groups = db.session.scalar(select(func.count()).select_from(CommentCluster).where(CommentCluster.size > 1))
    client = counts.staff_client(app)
    base = f"/staff/c/{fill.SLUG}"
    last = (largest_size + 49) // 50
    urls = {
        "queue sort=cluster": f"{base}/comments?sort=cluster",
        "queue sort=cluster, page 40": f"{base}/comments?sort=cluster&page=40",
        "queue sort=cluster + status=pending": f"{base}/comments?sort=cluster&status=pending",
        "queue cluster=2": f"{base}/comments?cluster=2",
        "queue cluster=100 + status=pending": f"{base}/comments?cluster=100&status=pending",
        "cluster list": f"{base}/clusters",
        f"largest cluster ({largest_size:,}) page 1": f"{base}/clusters/{largest_id}",
        f"largest cluster page {last}": f"{base}/clusters/{largest_id}?page={last}",
    }
    print(f"{url.split('://')[0]}, {size:,} comments, {groups:,} clusters of two or more; "
          f"rebuild {rebuilt:.1f} s; median of {runs} in-process requests")
    print("| page | p50 ms | SQL statements |\n| --- | --- | --- |")
    for name, path in urls.items():
        print(f"| {name} | {timed(client, path, runs):.1f} | {counts.query_count(app, client, path)} |", flush=True)
    page = client.get(f"{base}/clusters/{largest_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with counts.counting(app) as statements:
        started = time.perf_counter()
        response = client.post(f"{base}/clusters/{largest_id}/apply", data={
            "csrf_token": token, "action": "approve", "outcome": "partly_adopted", "response": "已部分采纳。"})
        elapsed = time.perf_counter() - started
    if response.status_code != 303:
        raise RuntimeError(f"apply: {response.status_code}")
    print(f"\napprove + decide the largest cluster ({largest_size:,} members): {elapsed:.1f} s, "
          f"{len(statements)} SQL statements")


if __name__ == "__main__":
    main()
