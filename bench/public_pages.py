"""Measure comment submission and public page rendering through the whole Flask stack.

    .venv/bin/python bench/public_pages.py [--comments 500] [--database-url URL]

Prints figures and ratios; asserts nothing. Uses a throwaway SQLite file unless a URL is given
(a PostgreSQL URL is emptied first, so never point it at real data).
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

from sqlalchemy import create_engine, text  # noqa: E402

from westlake_feedback import create_app  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402


def tokens(html: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) in ("csrf_token", "token"):
            found[name.group(1)] = value.group(1)
    return found


def timed(func, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def describe(label: str, samples: list[float]) -> float:
    ordered = sorted(samples)
    p50, p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   n={len(samples)}")
    return p50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wf-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(workdir), "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        from flask_migrate import upgrade

        from westlake_feedback.consultations.services import SEED_PATH, demo_window, import_draft, read_draft_file

        upgrade()
        opens, closes = demo_window()
        import_draft(read_draft_file(SEED_PATH), slug="demo", opens_at=opens, closes_at=closes, is_demo=True)
    client = app.test_client()
    print(f"database: {url.split('://')[0]}   comments: {args.comments}")

    pages = ["/", "/c/demo/", "/c/demo/clauses/12", "/c/demo/full"]
    before = {page: describe(f"GET {page} (no comments)", timed(lambda p=page: client.get(p), 30)) for page in pages}

    def submit(index=[0]):
        index[0] += 1
        clause = index[0] % 52 + 1
        html = client.get(f"/c/demo/clauses/{clause}").get_data(as_text=True)
        data = {**tokens(html), "stance": "amend", "identity_type": "individual", "consent": "y",
                "body": f"第{index[0]}条测试意见:建议进一步明确申报条件和兑现时间。", "email": "a@example.com"}
        response = client.post(f"/c/demo/clauses/{clause}/comment", data=data)
        assert response.status_code == 303, response.status_code

    start = time.perf_counter()
    samples = timed(submit, args.comments)
    elapsed = time.perf_counter() - start
    describe("GET form + POST comment", samples)
    print(f"{'submission throughput (one client)':<44} {args.comments / elapsed:7.1f} comments/s")

    with app.app_context():
        db.session.execute(text("UPDATE comments SET status = 'approved'"))
        db.session.commit()
    print(f"-- after approving {args.comments} comments --")
    for page in pages:
        after = describe(f"GET {page}", timed(lambda p=page: client.get(p), 30))
        print(f"{'':<44} ratio to empty: {after / before[page]:.2f}x")


if __name__ == "__main__":
    main()
