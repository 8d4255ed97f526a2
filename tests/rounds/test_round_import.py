"""Importing a revised draft as the next round (CLI), its stored alignment, and publishing it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from helpers import consultation, make_comment
from round_helpers import XIHU_12_NEW, XIHU_12_OLD, expected_pairs, import_round_cli, write_redraft
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, ConsultationRound
from westlake_feedback.extensions import db
from westlake_feedback.rounds.services import (RoundRefused, draft_round, publish_round, round_clauses,
                                               stored_matches)


def _pairs(round_):
    return [(tuple(c.number for c in m.old), tuple(c.number for c in m.new), m.kind) for m in stored_matches(round_)]


def test_cli_adds_an_unpublished_round_with_the_proposed_alignment(seeded, runner, tmp_path, client):
    result = import_round_cli(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "added round 2 of xihu-2023-demo (unpublished): 7 sections, 52 clauses" in result.output
    assert "3 -> - deleted" in result.output and "12 -> 11 edited" in result.output
    with seeded.app_context():
        c = consultation("xihu-2023-demo")
        round_ = draft_round(c)
        assert round_.number == 2 and round_.status == "draft" and round_.published_at is None
        assert "修改稿" in round_.title
        assert _pairs(round_) == expected_pairs()
        assert not any(m.confirmed for m in stored_matches(round_))
        # The current round is untouched: still round 1's 52 clauses, clause 12 the old text.
        assert c.current_round == 1 and len(c.clauses) == 52
        assert XIHU_12_OLD in c.clauses[11].body
        assert all(cl.round.number == 1 for cl in c.clauses)
    page = client.get("/c/xihu-2023-demo/clauses/12").get_data(as_text=True)
    assert XIHU_12_OLD in page and XIHU_12_NEW not in page


def test_reimporting_replaces_the_draft_round(seeded, runner, tmp_path):
    assert import_round_cli(runner, tmp_path).exit_code == 0
    again = import_round_cli(runner, tmp_path)
    assert again.exit_code == 0 and "replaced draft round 2" in again.output
    with seeded.app_context():
        rounds = db.session.scalars(select(ConsultationRound).where(
            ConsultationRound.consultation_id == consultation("xihu-2023-demo").id)
            .order_by(ConsultationRound.number)).all()  # PostgreSQL returns rows in no set order otherwise
        assert [r.number for r in rounds] == [1, 2]
        assert db.session.scalar(select(db.func.count()).select_from(Clause).where(Clause.consultation_id.is_(None))) == 52


def test_cli_refuses_an_unknown_consultation_and_a_window_it_cannot_find(seeded, runner, tmp_path):
    result = import_round_cli(runner, tmp_path, slug="nope")
    assert result.exit_code != 0 and "no consultation nope" in result.output
    result = import_round_cli(runner, tmp_path, opens="2099-02-01T00:00", closes="2099-01-01T00:00")
    assert result.exit_code != 0 and "截止时间必须晚于开始时间" in result.output


def test_publishing_makes_the_new_round_current_and_comments_keep_their_clause(seeded, runner, tmp_path):
    with seeded.app_context():
        comment_id = make_comment("xihu-2023-demo", clause=12, status="approved")
    assert import_round_cli(runner, tmp_path).exit_code == 0
    with seeded.app_context():
        c = consultation("xihu-2023-demo")
        publish_round(draft_round(c))
        c = consultation("xihu-2023-demo")
        assert c.current_round == 2 and len(c.clauses) == 52
        assert XIHU_12_NEW in c.clauses[10].body and c.clauses[10].number == 11
        assert all(cl.round.number == 2 for cl in c.clauses)
        assert c.opens_at.year == 2026 and c.closes_at.year == 2099
        comment = db.session.get(Comment, comment_id)
        assert comment.round_number == 1
        assert comment.clause.number == 12 and comment.clause.round.number == 1
        assert comment.clause.consultation_id is None and XIHU_12_OLD in comment.clause.body
        old_round = db.session.scalar(select(ConsultationRound).where(
            ConsultationRound.consultation_id == c.id, ConsultationRound.number == 1))
        assert len(round_clauses(old_round)) == 52
        with pytest.raises(RoundRefused):
            publish_round(db.session.scalar(select(ConsultationRound).where(ConsultationRound.id == old_round.id)))


def test_redraft_file_is_a_real_upload(tmp_path):
    text = open(write_redraft(tmp_path), encoding="utf-8").read()
    assert "(修改稿)" in text and XIHU_12_NEW in text
