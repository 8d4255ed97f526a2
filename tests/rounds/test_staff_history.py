"""The staff clause-history page (a clause of a round with the comments on its predecessors) is
linked from the pages moderators and analysts use: the clause replies list and a comment's page.
Decisions are recorded against earlier-round comments from there."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpers import csrf_from, make_comment
from round_helpers import done_redraft
from moderation.test_staff_navigation import crawl

SLUG = "xihu-2023-demo"
HISTORY_11 = f"/staff/consultations/{SLUG}/rounds/2/clauses/11"


@pytest.fixture
def redrafted(seeded, staff):
    """Comments on clause 12 of round 1, then round 2 (old 12 became 11) imported and published."""
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.consultations.parser import parse_draft
    from westlake_feedback.extensions import db
    from westlake_feedback.rounds.services import import_round, publish_round
    from westlake_feedback.timeutil import now_utc
    from datetime import timedelta

    with seeded.app_context():
        old = make_comment(SLUG, clause=12, status="approved", body="第十二条的资助额度太低。")
        whole = make_comment(SLUG, clause=None, status="approved", body="整体意见")
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        result = import_round(parse_draft(done_redraft()), consultation, opens_at=now_utc(),
                              closes_at=now_utc() + timedelta(days=30))
        db.session.commit()
        publish_round(result.round)
    return {"old": old, "whole": whole}


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_the_history_page_is_reached_by_links_for_every_staff_role(redrafted, login_as, role):
    app = login_as(role).application
    depth, endpoints, _downloads, _public, failures = crawl(app, login_as(role))
    assert failures == []
    assert "rounds.clause" in endpoints.values()
    assert HISTORY_11 in depth


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_the_clause_replies_list_and_the_comment_page_link_to_the_history(redrafted, login_as, role):
    client = login_as(role)
    replies = text_of(client.get(f"/staff/c/{SLUG}/clauses"))
    assert f'href="{HISTORY_11}"' in replies
    # The earlier-round comment's page: marked, links to its own round's clause (public and staff),
    # never to the current clause that now has its number.
    page = text_of(client.get(f"/staff/comments/{redrafted['old']}"))
    assert "上一轮意见" in page and "第1轮" in page
    assert f'href="/staff/consultations/{SLUG}/rounds/1/clauses/12"' in page
    assert f'href="/c/{SLUG}/rounds/1/clauses/12"' in page
    assert f'/staff/c/{SLUG}/clauses/12/response' not in page
    # The round-1 page shows the comment and leads on through the history.
    history_1 = text_of(client.get(f"/staff/consultations/{SLUG}/rounds/1/clauses/12"))
    assert "第十二条的资助额度太低。" in history_1
    # A whole-draft comment has no clause history link.
    assert "/rounds/" not in text_of(client.get(f"/staff/comments/{redrafted['whole']}")).split("clause-heading")[1][:600]


def test_a_moderator_records_a_decision_on_an_earlier_round_comment_from_the_history(redrafted, login_as, app):
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.extensions import db

    client = login_as("moderator")
    history = text_of(client.get(HISTORY_11))
    assert "上一轮意见" in history and "第十二条的资助额度太低。" in history
    link = re.search(rf'href="(/staff/comments/{redrafted["old"]}[^"]*)"', history)
    assert link, "no link from the history to the earlier-round comment"
    page = text_of(client.get(link.group(1).replace("&amp;", "&")))
    refused = client.post(f"/staff/comments/{redrafted['old']}/decision",
                          data={"csrf_token": csrf_from(page), "outcome": "not_adopted", "response": ""})
    assert refused.status_code == 400 and "第十二条的资助额度太低。" in refused.get_data(as_text=True)
    saved = client.post(f"/staff/comments/{redrafted['old']}/decision", data={
        "csrf_token": csrf_from(page), "outcome": "partly_adopted", "response": "修改稿第十一条已提高资助额度。"})
    assert saved.status_code == 303
    with app.app_context():
        comment = db.session.get(Comment, redrafted["old"])
        assert comment.round_number == 1 and comment.clause.round.number == 1
        assert comment.decision.outcome == "partly_adopted"
        assert comment.decision.response == "修改稿第十一条已提高资助额度。"
    assert "修改稿第十一条已提高资助额度。" in text_of(client.get(f"/staff/comments/{redrafted['old']}"))
    # An analyst reads it but may not decide.
    analyst = login_as("analyst")
    page = text_of(analyst.get(f"/staff/comments/{redrafted['old']}"))
    assert analyst.post(f"/staff/comments/{redrafted['old']}/decision", data={
        "csrf_token": csrf_from(page), "outcome": "adopted", "response": ""}).status_code == 403
