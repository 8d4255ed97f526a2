"""Public page cost against the number of approved comments on one clause (in-process).

    .venv/bin/python bench/flat_pages.py [--sizes 1000 20000] [--database-url URL]

Fills N approved comments on clause 12 of the demo draft with bulk Core INSERTs, then times the
clause page, the notice, the whole draft and the home page with the Flask test client and counts
their SQL queries. Prints figures; asserts nothing. A PostgreSQL URL is emptied first.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402

from westlake_feedback import create_app  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402

PAGES = ["/c/demo/clauses/12", "/c/demo/clauses/12?page=50", "page 50 by before= link", "/c/demo/", "/c/demo/full",
         "/"]


def resolve(client, page: str) -> str:
    """The URL behind a label: the 'older' link of page 49 (a keyset cursor), if the page has one."""
    if not page.startswith("page 50"):
        return page
    html = client.get("/c/demo/clauses/12?page=49").get_data(as_text=True)
    link = re.search(r'href="([^"]*before=[^"]*)"', html)
    return link.group(1).replace("&amp;", "&").split("#")[0] if link else "/c/demo/clauses/12?page=50"


def fill(app, total: int) -> None:
    """Top the clause up to `total` approved comments."""
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.timeutil import now_utc

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "demo"))
        clause = db.session.scalar(select(Clause).where(Clause.consultation_id == consultation.id,
                                                        Clause.number == 12))
        have = db.session.scalar(text("SELECT count(*) FROM comments"))
        start = now_utc() - timedelta(days=1)
        rows = [dict(consultation_id=consultation.id, clause_id=clause.id, stance="amend",
                     body=f"第{i}条测试意见:建议进一步明确申报条件和兑现时间。", identity_type="individual",
                     channel="web", receipt_code=f"B{i:010d}", status="approved", locale="zh_CN",
                     publish_name=False, created_at=start + timedelta(seconds=i))
                for i in range(have, total)]
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(Comment), rows[chunk:chunk + 5000])
        recount = getattr(sys.modules.get("westlake_feedback.comments.counts"), "recount_all", None)
        if recount:  # once stored counts exist, a bulk Core INSERT bypasses them: recount
            recount()
        db.session.commit()


def measure(app, client, repeat: int) -> dict[str, tuple[float, int]]:
    queries = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: queries.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    results = {}
    try:
        for label in PAGES:
            page = resolve(client, label)
            client.get(page)  # warm
            queries.clear()
            assert client.get(page).status_code == 200, page
            count = len(queries)
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(page)
                samples.append((time.perf_counter() - start) * 1000)
            results[label] = (statistics.median(samples), count)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wf-flat-"))
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
    table = {}
    for size in sorted(args.sizes):
        fill(app, size)
        table[size] = measure(app, client, args.repeat)
    print(f"database: {url.split('://')[0]}   median of {args.repeat} in-process GETs")
    print(f"{'page':<30}" + "".join(f"{str(s) + ' comments':>22}" for s in sorted(table)) + "   ratio")
    for page in PAGES:
        cells = [table[s][page] for s in sorted(table)]
        print(f"{page:<30}" + "".join(f"{ms:10.1f} ms {q:3d} q   " for ms, q in cells)
              + f"{cells[-1][0] / cells[0][0]:6.2f}x")


if __name__ == "__main__":
    main()
