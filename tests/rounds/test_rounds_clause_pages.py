"""An earlier round's clause page (/c/<slug>/rounds/<n>/clauses/<k>) pages its published comments as
the current clause page does: page count from the stored count, older pages by keyset, so every
approved comment shows exactly once and a page costs the same whatever the number of comments."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.counts import counting
from helpers import consultation, make_comment
from round_helpers import import_round_cli
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, ConsultationRound
from westlake_feedback.extensions import db
from westlake_feedback.rounds.services import draft_round, publish_round
from westlake_feedback.timeutil import now_utc

SLUG = "xihu-2023-demo"
OLD_12 = f"/c/{SLUG}/rounds/1/clauses/12"
SHOWN = re.compile(r"第一轮翻页意见第(\d{3})号")


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def add_on_old_12(app, numbers, base) -> None:
    """Approved comments on clause 12 of round 1 (after round 2 is published), two per timestamp."""
    with app.app_context():
        c = consultation(SLUG)
        clause = db.session.scalar(select(Clause).join(ConsultationRound, ConsultationRound.id == Clause.round_id)
                                   .where(ConsultationRound.consultation_id == c.id, ConsultationRound.number == 1,
                                          Clause.number == 12))
        for n in numbers:
            db.session.add(Comment(consultation=c, clause=clause, round_number=1, stance="amend",
                                   body=f"第一轮翻页意见第{n:03d}号。", identity_type="individual", channel="web",
                                   receipt_code=f"P{n:09d}", status="approved",
                                   created_at=base + timedelta(minutes=n // 2)))
        db.session.commit()


@pytest.fixture
def old_round(seeded, staff, runner, tmp_path):
    base = now_utc() - timedelta(days=2)
    with seeded.app_context():
        for n in range(3):
            make_comment(SLUG, clause=12, body=f"第一轮翻页意见第{n:03d}号。", status="approved",
                         created_at=base + timedelta(minutes=n // 2))
        make_comment(SLUG, clause=12, body="第一轮翻页意见第900号。", status="pending")   # never shown
        make_comment(SLUG, clause=12, body="第一轮翻页意见第901号。", status="rejected")
    assert import_round_cli(runner, tmp_path).exit_code == 0
    with seeded.app_context():
        publish_round(draft_round(consultation(SLUG)))
    return seeded, base


def walk(client, url: str) -> tuple[list[str], int]:
    seen, pages = [], 0
    while url:
        html = text_of(client.get(url))
        pages += 1
        seen += SHOWN.findall(html)
        older = re.search(r'href="([^"]*)"[^>]*>较早的意见', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url:
            assert url.startswith(f"{OLD_12}?") and "before=" in url and f"page={pages + 1}" in url
    return seen, pages


def test_every_approved_comment_once_across_pages(old_round, app_factory):
    app, base = old_round
    per_page = app.config["COMMENTS_PER_PAGE"]
    total = per_page * 2 + 5
    add_on_old_12(app, range(3, total), base)
    client = app_factory(PAGE_CACHE_ENABLED=False).test_client()
    first = text_of(client.get(OLD_12))
    assert f"对这一条已公开的意见({total}条)" in first and "第1页,共3页" in first
    seen, pages = walk(client, OLD_12)
    assert pages == 3
    assert sorted(seen) == [f"{n:03d}" for n in range(total)]           # each exactly once
    assert seen == [f"{n:03d}" for n in reversed(range(total))]          # newest first
    assert "900" not in seen and "901" not in seen
    # ?page= alone reads the same page by offset; the newer link goes back.
    last = text_of(client.get(f"{OLD_12}?page=3"))
    assert SHOWN.findall(last) == [f"{n:03d}" for n in reversed(range(5))]
    assert f'href="{OLD_12}?page=2#comments-heading"' in last and "较新的意见" in last
    assert "第3页,共3页" in last


def test_a_page_costs_the_same_at_3_and_300_comments(old_round, app_factory):
    app, base = old_round
    uncached = app_factory(PAGE_CACHE_ENABLED=False)   # the render, not a cached copy
    client = uncached.test_client()
    client.get(OLD_12)

    def statements(url):
        with counting(uncached) as sent:
            text_of(client.get(url))
        return [" ".join(s.split()).lower() for s in sent]

    small = statements(OLD_12)
    add_on_old_12(app, range(3, 300), base)
    html = text_of(client.get(OLD_12))
    older = re.search(r'href="([^"]*)"[^>]*>较早的意见', html).group(1).replace("&amp;", "&")
    big, keyset = statements(OLD_12), statements(older)
    assert small and len(big) == len(small) == len(keyset), (small, big, keyset)
    for sql in big + keyset:
        assert "count(" not in sql and "group by" not in sql, sql
    assert any("(comments.created_at, comments.id) <" in sql for sql in keyset), keyset
    assert len(SHOWN.findall(html)) == app.config["COMMENTS_PER_PAGE"]
    assert text_of(client.get(f"{OLD_12}?before=nonsense")).count("第一轮翻页意见") >= 1   # bad cursor: page 1
    assert "本条暂无公开的意见" in text_of(client.get(f"/c/{SLUG}/rounds/1/clauses/13"))
