"""The published feedback page, its per-clause pages and the API reads, timed in-process at N
comments (bench/fill.py: approved comments on clause 12 of the demo draft, every other one with a
decision; fill.publish_feedback publishes the feedback), rendered afresh (page cache off) and
answered from the HTTP cache (If-None-Match), with their SQL statement counts.

    .venv/bin/python bench/feedback_pages.py [--sizes 1000 100000] [--database-url URL]

Prints a Markdown table; asserts nothing. A PostgreSQL URL is emptied first.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import counts, fill  # noqa: E402
from westlake_feedback import create_app  # noqa: E402

API = f"/api/v1/consultations/{fill.SLUG}"


def pages(slug: str = fill.SLUG, clause: int = fill.CLAUSE) -> dict[str, str]:
    """The reads measured; those that answer 404 (before this page existed) are left out."""
    return {
        "feedback summary": f"/c/{slug}/feedback",
        f"feedback clause {clause}": f"/c/{slug}/feedback/clauses/{clause}",
        f"feedback clause {clause}, page 1000 by link": ("walk", f"/c/{slug}/feedback/clauses/{clause}?page=999"),
        "API comments": f"{API}/comments",
        "API comments page 1000": f"{API}/comments?page=1000",
        "API comments clause 12": f"{API}/comments?clause={clause}",
        "API feedback": f"{API}/feedback",
        f"API feedback entries clause {clause}": f"{API}/feedback/entries?clause={clause}",
    }


def resolve(client, target) -> str | None:
    if isinstance(target, str):
        return target
    _, start = target  # the "next" link on the page before: a keyset cursor
    html = client.get(start).get_data(as_text=True)
    link = re.search(r'href="([^"]*after=[^"]*)"', html)
    return link.group(1).replace("&amp;", "&").split("#")[0] if link else None


def timed(client, path: str, repeat: int, headers=None) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path, headers=headers or {})
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(app, plain, repeat: int) -> dict[str, tuple]:
    uncached = plain.test_client()
    results = {}
    for name, target in pages().items():
        path = resolve(uncached, target)
        if path is None or uncached.get(path).status_code != 200:
            continue
        with counts.counting(plain) as statements:
            response = uncached.get(path)
        etag = response.headers.get("ETag")
        revalidated = "—"
        if etag:
            again = app.test_client().get(path, headers={"If-None-Match": etag})
            if again.status_code == 304:
                revalidated = f"{timed(app.test_client(), path, repeat, {'If-None-Match': etag}):.2f}"
        results[name] = (timed(uncached, path, repeat), len(statements), len(response.data), revalidated)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wf-feedback-"))
    url = fill.database_url(args.database_url, workdir)
    app = fill.make_app(url, workdir)
    fill.prepare(app)
    plain = create_app({**fill.bench_config(url, workdir), "PAGE_CACHE_ENABLED": False})
    table = {}
    for size in sorted(args.sizes):
        fill.fill_to(app, size)
        fill.publish_feedback(app)
        table[size] = measure(app, plain, args.repeat)
    print(f"{url.split('://')[0]}; median of {args.repeat} in-process GETs, page cache off; "
          f"'304 ms': the same GET with If-None-Match")
    print("| comments | read | p50 ms | SQL statements | bytes | 304 ms |\n| --- | --- | --- | --- | --- | --- |")
    for size, results in table.items():
        for name, (ms, queries, size_bytes, revalidated) in results.items():
            print(f"| {size:,} | {name} | {ms:.1f} | {queries} | {size_bytes:,} | {revalidated} |", flush=True)


if __name__ == "__main__":
    main()
