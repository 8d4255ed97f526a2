"""After a revised draft: the published feedback lists each comment under the clause of the round it
was made on (earlier rounds marked), and the public API gives every comment its round and filters by
round; the responses still match the closed OpenAPI schema."""
from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30Validator
from sqlalchemy import select

from helpers import STAFF_EMAILS, make_comment
from round_helpers import XIHU_12_NEW, XIHU_12_OLD, done_redraft

SLUG = "xihu-2023"  # closed, so its feedback can be published


@pytest.fixture
def revised(seeded, staff):
    from westlake_feedback.accounts.services import user_by_email
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.consultations.parser import parse_draft
    from westlake_feedback.extensions import db
    from westlake_feedback.feedback.services import publish_feedback
    from westlake_feedback.moderation.models import Decision
    from westlake_feedback.rounds.services import import_round, publish_round
    from westlake_feedback.timeutil import now_utc

    with seeded.app_context():
        old = make_comment(SLUG, clause=12, status="approved", body="原第十二条的资助额度太低。")
        db.session.add(Decision(comment_id=old, outcome="adopted", response="修改稿已提高额度。"))
        db.session.commit()
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        result = import_round(parse_draft(done_redraft()), consultation, opens_at=now_utc() - timedelta(days=20),
                              closes_at=now_utc() - timedelta(days=1))
        db.session.commit()
        publish_round(result.round)
        new = make_comment(SLUG, clause=11, status="approved", round_number=2, body="新第十一条还应支持初创企业。")
        db.session.add(Decision(comment_id=new, outcome="explained", response="初创企业另有政策。"))
        db.session.commit()
    with seeded.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        publish_feedback(consultation, "两轮意见的采纳情况。", user_by_email(STAFF_EMAILS["admin"]))
    return {"old": old, "new": new}


def test_the_feedback_page_lists_earlier_round_comments_under_their_own_clause(revised, client):
    page = client.get(f"/c/{SLUG}/feedback").get_data(as_text=True)
    current = page.split('id="fc-r2-11"')[1].split('class="feedback-clause"')[0]
    earlier = page.split('id="fc-r1-12"')[1].split('class="feedback-clause"')[0]
    assert "第2轮" in current and f'href="/c/{SLUG}/feedback/clauses/11"' in current
    assert "第1轮" in earlier and f'href="/c/{SLUG}/feedback/rounds/1/clauses/12"' in earlier
    assert page.index('id="fc-r2-11"') < page.index('id="fc-r1-12"')   # the current round first
    assert 'id="fc-12"' not in page and 'id="fc-r2-12"' not in page     # nothing on the current clause 12
    assert page.count('id="fc-r1-12"') == 1
    current = client.get(f"/c/{SLUG}/feedback/clauses/11").get_data(as_text=True)
    earlier = client.get(f"/c/{SLUG}/feedback/rounds/1/clauses/12").get_data(as_text=True)
    assert "第2轮" in current and "新第十一条还应支持初创企业。" in current and "原第十二条" not in current
    assert "第1轮" in earlier and "原第十二条的资助额度太低。" in earlier and "修改稿已提高额度。" in earlier
    assert f'href="/c/{SLUG}/feedback#fc-r1-12"' in earlier             # back to its place in the summary
    assert "原第十二条" not in client.get(f"/c/{SLUG}/feedback/clauses/12").get_data(as_text=True)
    assert client.get(f"/c/{SLUG}/feedback/rounds/2/clauses/11").headers["Location"].endswith(
        f"/c/{SLUG}/feedback/clauses/11")
    assert client.get(f"/c/{SLUG}/feedback/rounds/3/clauses/11").status_code == 404


def test_the_api_has_the_round_of_every_comment_and_filters_by_round(revised, client):
    from westlake_feedback.api.openapi import openapi_document

    document = openapi_document()

    def check(body, name):  # the closed schema, OpenAPI 3.0 flavour (nullable)
        schema = {**document["components"]["schemas"][name], "components": document["components"]}
        OAS30Validator(schema).validate(body)

    summary = client.get(f"/api/v1/consultations/{SLUG}").get_json()
    assert summary["current_round"] == 2
    check(summary, "ConsultationDetail")
    everything = client.get(f"/api/v1/consultations/{SLUG}/comments").get_json()
    rounds = {item["text"]: (item["round"], item["clause_number"]) for item in everything["items"]}
    assert rounds["原第十二条的资助额度太低。"] == (1, 12) and rounds["新第十一条还应支持初创企业。"] == (2, 11)
    for item in everything["items"]:
        check(item, "Comment")

    def texts(query):
        response = client.get(f"/api/v1/consultations/{SLUG}/comments?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["text"] for item in response.get_json()["items"]]

    assert "新第十一条还应支持初创企业。" not in texts("round=1")
    assert texts("round=2") == ["新第十一条还应支持初创企业。"]
    assert texts("round=1&clause=12") == ["原第十二条的资助额度太低。"]
    assert texts("clause=12") == []                        # the current round's clause 12 has none
    assert texts("clause=11") == ["新第十一条还应支持初创企业。"]
    assert texts("round=9") == []
    bad = client.get(f"/api/v1/consultations/{SLUG}/comments?round=0")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "round"

    feedback = client.get(f"/api/v1/consultations/{SLUG}/feedback").get_json()
    # (The validator reads `nullable` beside `allOf` on whole_document as not nullable: check the parts.)
    assert set(feedback) == set(document["components"]["schemas"]["Feedback"]["properties"])
    for section in feedback["sections"]:
        check(section, "SectionFeedback")
    counted = {(c["round"], c["clause_number"]): c["entry_count"] for s in feedback["sections"] for c in s["clauses"]}
    assert counted == {(1, 12): 1, (2, 11): 1}

    def entries(query):
        response = client.get(f"/api/v1/consultations/{SLUG}/feedback/entries?{query}")
        assert response.status_code == 200, response.get_json()
        for item in response.get_json()["items"]:
            check(item, "FeedbackEntry")
        return [(e["round"], e["clause_number"], e["text"]) for e in response.get_json()["items"]]

    assert entries("round=1&clause=12") == [(1, 12, "原第十二条的资助额度太低。")]
    assert entries("clause=11") == [(2, 11, "新第十一条还应支持初创企业。")]
    assert entries("round=2") == [(2, 11, "新第十一条还应支持初创企业。")]
    assert entries("clause=12") == []
    assert all(s["round"] == c["round"] for s in feedback["sections"] for c in s["clauses"])
    # The clause texts: the current round's clause 11 is the edited old 12.
    assert XIHU_12_NEW in client.get(f"/api/v1/consultations/{SLUG}/clauses/11").get_json()["text"]
    assert XIHU_12_OLD not in client.get(f"/api/v1/consultations/{SLUG}/clauses/11").get_json()["text"]
