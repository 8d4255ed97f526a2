"""A digest of 10,000 comments: every one counted exactly once, a bounded list, a fixed number of
queries (the same as for a digest of ten), delivered through a real SMTP server."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, insert, select

from bench.counts import counting
from helpers import comment_on, consultation, local, seed_before_window, text_and_html
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause
from westlake_feedback.digests.models import Digest
from westlake_feedback.digests.schedule import send_digest_now
from westlake_feedback.extensions import db
from westlake_feedback.mail.sender import drain

DAY = "2023-03-16"
CLAUSES = (None, 3, 12, 40)  # the whole draft and three clauses in different sections
LIMIT = 50


@pytest.fixture
def xihu(app_factory, smtp_server, tmp_path):
    app = app_factory(**smtp_server.config, OUTBOX_DIR=str(tmp_path / "outbox"), DIGEST_LIST_LIMIT=LIMIT)
    seed_before_window(app)
    return app


def insert_comments(total: int, at) -> dict[int | None, int]:
    """`total` web comments spread over CLAUSES with one Core INSERT; returns how many per clause."""
    target = consultation()
    ids = {c.number: c.id for c in db.session.scalars(select(Clause).where(Clause.consultation_id == target.id))}
    rows, per_clause = [], dict.fromkeys(CLAUSES, 0)
    for n in range(total):
        number = CLAUSES[n % len(CLAUSES)]
        per_clause[number] += 1
        rows.append({
            "consultation_id": target.id, "clause_id": ids[number] if number else None,
            "stance": ("support", "oppose", "amend")[n % 3], "body": f"第{n}条意见:建议加大扶持力度。",
            "name": f"市民{n}", "identity_type": "individual", "channel": "web", "status": "pending",
            "receipt_code": f"SC{n:06d}{secrets.token_hex(2).upper()}", "created_at": at + timedelta(milliseconds=n),
            "locale": "zh_CN",
        })
    db.session.execute(insert(Comment.__table__), rows)
    db.session.commit()
    return per_clause


def statements_of(action) -> list[str]:
    with counting(current_app._get_current_object()) as statements:
        action()
    return statements


def digest_of(count: int) -> tuple[int, list[str]]:
    """A digest of `count` new comments; its id and the statements it ran."""
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False):
        insert_comments(count, local(f"{DAY} 09:00"))
    with time_machine.travel(local(f"{DAY} 11:00"), tick=False):
        made = []
        statements = statements_of(lambda: made.append(send_digest_now(consultation())))
    return made[0].id, statements


def test_a_digest_of_10000_summarises_every_comment_once_in_a_fixed_number_of_queries(xihu, smtp_server):
    with xihu.app_context():
        _small, few = digest_of(10)
        digest_id, many = digest_of(10_000)
        assert len(many) == len(few)  # the queries do not grow with the number of comments
        assert len(many) <= 20
        digest = db.session.get(Digest, digest_id)
        assert digest.comment_count == 10_000
        in_digest = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.digest_id == digest_id))
        assert in_digest == 10_000
        unreported = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.digest_id.is_(None)))
        assert unreported == 0
        codes = set(db.session.scalars(select(Comment.receipt_code).where(Comment.digest_id == digest_id)))
        with time_machine.travel(local(f"{DAY} 12:00"), tick=False):
            assert drain().sent == 2
            comment_on("xihu-2023", 7, body="汇总之后提交的意见。")
            after = send_digest_now(consultation())
            assert after.comment_count == 1  # nothing of the 10,000 again, the new one once
    mails = [i.message for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"]
    assert len(mails) == 2
    body, html = text_and_html(mails[1])
    body = body.replace("\r\n", "\n")
    assert "新增意见10000条" in mails[1]["Subject"] and "新收到意见10000条" in body
    listed = re.findall(r"^\[(SC\w+)\]", body, flags=re.M)
    assert len(listed) == len(set(listed)) == LIMIT and set(listed) <= codes  # no comment twice
    # the per-group counts add up to every comment of the digest, and each unlisted one is counted
    groups = [int(n) for n in re.findall(r"^==== .*?\((\d+)条\) ====$", body, flags=re.M)]
    assert sum(groups) == 10_000
    clause_counts = [int(n) for n in re.findall(r"^-- .*?\((\d+)条\) --$", body, flags=re.M)]
    whole = int(re.search(r"^==== 针对整个文件的意见\((\d+)条\) ====$", body, flags=re.M).group(1))
    assert sum(clause_counts) + whole == 10_000 and whole == 2_500
    unlisted = [int(n) for n in re.findall(r"^另有(\d+)条未在邮件中列出:\S+$", body, flags=re.M)]
    assert sum(unlisted) + LIMIT == 10_000
    assert "clause=0" in body and "clause=12" in body and 'href="http://127.0.0.1:5000/staff/c/xihu-2023/comments?' in html
    assert len(mails[1].as_bytes()) < 1_000_000  # a summary, not every comment written out
