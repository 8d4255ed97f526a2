"""Peak memory of streaming an export for N/10 and for N comments: flat means a ratio near 1.

    .venv/bin/python bench/exports_memory.py [--comments 20000]

Builds a throwaway SQLite database (migrations + the Xihu seed), inserts N comments of which
N/10 are approved, then consumes each export generator (CSV, XLSX, JSON) under tracemalloc with
the filter status=approved (N/10 rows) and without a filter (N rows). Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from westlake_feedback import create_app  # noqa: E402
from westlake_feedback.extensions import db  # noqa: E402


def build(workdir: Path, n: int):
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(workdir), "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench", "SERVER_NAME": None})
    with app.app_context():
        from flask_migrate import upgrade

        from westlake_feedback.comments.models import Comment
        from westlake_feedback.consultations.models import Clause, Consultation
        from westlake_feedback.consultations.services import SEED_PATH, demo_window, import_draft, read_draft_file
        from westlake_feedback.timeutil import now_utc

        upgrade()
        opens, closes = demo_window()
        import_draft(read_draft_file(SEED_PATH), slug="demo", opens_at=opens, closes_at=closes, is_demo=True)
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "demo"))
        clause_ids = list(db.session.scalars(select(Clause.id).where(Clause.consultation_id == consultation.id)))
        start = now_utc() - timedelta(days=5)
        rows = [{
            "consultation_id": consultation.id, "clause_id": clause_ids[i % len(clause_ids)] if i % 7 else None,
            "stance": ("support", "oppose", "amend", "other")[i % 4],
            "body": f"第{i}条意见：建议进一步明确资金拨付的时间节点和监督方式，" * 4,
            "name": f"市民{i}", "identity_type": "individual", "organisation": "西湖区某社区" if i % 3 else None,
            "phone": f"138{i:08d}", "email": f"user{i}@example.com", "channel": "web",
            "receipt_code": f"BENCH-{i:08d}", "status": "approved" if i % 10 == 0 else "pending",
            "created_at": start + timedelta(seconds=i),
        } for i in range(n)]
        for offset in range(0, n, 5000):
            db.session.execute(insert(Comment), rows[offset:offset + 5000])
        db.session.commit()
    return app


def measure(app, fmt: str, args: dict) -> tuple[int, int, float]:
    """(peak bytes, output bytes, seconds) of consuming one export stream."""
    from westlake_feedback.comments.models import Comment  # noqa: F401
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.exports.services import breakdown, csv_stream, iter_rows, json_stream, xlsx_stream
    from westlake_feedback.moderation.queue import QueueFilters
    from westlake_feedback.timeutil import now_utc

    with app.test_request_context(query_string=args):
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "demo"))
        filters = QueueFilters.from_args(args)
        counts = breakdown(consultation, filters)
        db.session.expunge_all()
        started = time.perf_counter()
        tracemalloc.start()
        rows = iter_rows(consultation.id, filters, show_contact=True)
        if fmt == "csv":
            stream = csv_stream(rows)
        elif fmt == "json":
            stream = json_stream(rows)
        else:
            stream = xlsx_stream(rows, consultation_title=consultation.title, filters=filters, exported_at=now_utc(),
                                 counts=counts)
        size = sum(len(chunk) for chunk in stream)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.session.remove()
        return peak, size, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=20_000)
    n = parser.parse_args().comments
    with tempfile.TemporaryDirectory() as workdir:
        app = build(Path(workdir), n)
        print(f"{n} comments; peak traced memory while streaming (tracemalloc)")
        print(f"{'format':6} {'rows':>7} {'peak MiB':>9} {'output MiB':>11} {'seconds':>8}")
        for fmt in ("csv", "xlsx", "json"):
            small = measure(app, fmt, {"status": "approved"})
            large = measure(app, fmt, {})
            for rows, (peak, size, seconds) in ((n // 10, small), (n, large)):
                print(f"{fmt:6} {rows:>7} {peak / 2**20:>9.2f} {size / 2**20:>11.2f} {seconds:>8.1f}")
            print(f"{fmt:6} ratio peak(N) / peak(N/10) = {large[0] / small[0]:.2f}  (rows x10)")


if __name__ == "__main__":
    main()
