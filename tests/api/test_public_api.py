from __future__ import annotations

import json
import re

import pytest
import schemathesis
from openapi_spec_validator import validate
from sqlalchemy import select

from feedback_helpers import SECRETS as FEEDBACK_SECRETS, make_feedback_data
from helpers import STAFF_EMAILS
from westlake_feedback.accounts.services import user_by_email
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation
from westlake_feedback.extensions import db
from westlake_feedback.feedback.services import publish_feedback
from westlake_feedback.moderation.models import Decision

PERSONAL_KEYS = {"phone", "email", "name", "ip_hash", "receipt_code", "organisation", "submission_token",
                 "consent_at", "postal_address", "publish_name"}
# Commenters who did not agree to publish their name: nothing of theirs ever appears.
SECRET_VALUES = ["13912345678", "secret.person@example.com", "李秘密", "XH-SECR-ET22"]
# One who agreed (同意公开姓名/单位): the name appears, only as `author`; the rest never.
CONSENTING_NAME = "王愿公开"
CONSENTING_SECRETS = ["13700002222", "willing.person@example.com", "XH-WILL-ING2", "e" * 64]


@pytest.fixture
def with_comments(seeded, staff):
    with seeded.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        clause = db.session.scalar(select(Clause).where(Clause.consultation == consultation, Clause.number == 12))
        for index, status in enumerate(["approved", "approved", "pending", "rejected", "spam"]):
            db.session.add(Comment(
                consultation=consultation, clause=clause if index % 2 == 0 else None, stance="amend",
                body=f"第{index}条意见:建议明确申报流程。", name="李秘密", phone="13912345678",
                email="secret.person@example.com", identity_type="individual", status=status,
                receipt_code=f"XH-SECR-ET2{index}", ip_hash="f" * 64, organisation="秘密公司"))
        closed = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
        closed_clause = db.session.scalar(select(Clause).where(Clause.consultation == closed, Clause.number == 12))
        willing = Comment(
            consultation=closed, clause=closed_clause, stance="support", body="赞成,愿意署名。", name=CONSENTING_NAME,
            phone="13700002222", email="willing.person@example.com", identity_type="individual", status="approved",
            receipt_code="XH-WILL-ING2", ip_hash="e" * 64, publish_name=True)
        db.session.add(willing)
        db.session.add(Decision(comment=willing, outcome="adopted", response=""))
        db.session.commit()
    make_feedback_data(seeded, "xihu-2023")
    with seeded.test_request_context():
        closed = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
        publish_feedback(closed, "意见采纳情况说明。", user_by_email(STAFF_EMAILS["admin"]))
    return seeded


def strings_by_key(value, key=None):
    """(key, string) for every string in a JSON value, with the key it is stored under."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from strings_by_key(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from strings_by_key(item, key)
    elif isinstance(value, str):
        yield key, value


def walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


API_URLS = [
    "/api/v1/consultations",
    "/api/v1/consultations/xihu-2023-demo",
    "/api/v1/consultations/xihu-2023-demo/clauses",
    "/api/v1/consultations/xihu-2023-demo/clauses/12",
    "/api/v1/consultations/xihu-2023-demo/comments",
    "/api/v1/consultations/xihu-2023-demo/comments?clause=12",
    "/api/v1/consultations/xihu-2023/comments",
    "/api/v1/consultations/xihu-2023/feedback",
    "/api/v1/consultations/xihu-2023/feedback/entries",
    "/api/v1/consultations/xihu-2023/feedback/entries?clause=12",
]


@pytest.mark.parametrize("url", API_URLS)
def test_no_personal_data_in_any_endpoint(with_comments, client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_json()
    assert not PERSONAL_KEYS & set(walk_keys(body))
    raw = response.get_data(as_text=True)
    for secret in SECRET_VALUES + FEEDBACK_SECRETS + CONSENTING_SECRETS + ["秘密公司", "f" * 64]:
        assert secret not in json.dumps(body, ensure_ascii=False) and secret not in raw
    # The consenting commenter's name appears only as an author; nobody else is ever an author.
    named = [(key, text) for key, text in strings_by_key(body) if CONSENTING_NAME in text]
    assert all(pair == ("author", CONSENTING_NAME) for pair in named), named
    assert {text for key, text in strings_by_key(body) if key == "author"} <= {CONSENTING_NAME}
    if url.startswith("/api/v1/consultations/xihu-2023/") and not url.endswith("/feedback"):  # (counts only)
        assert named, "the consenting commenter's name is published with their comment"


def test_only_approved_comments_are_listed_and_counted(with_comments, client):
    listing = client.get("/api/v1/consultations/xihu-2023-demo/comments").get_json()
    assert listing["total"] == 2 and len(listing["items"]) == 2
    assert {item["text"] for item in listing["items"]} == {"第0条意见:建议明确申报流程。", "第1条意见:建议明确申报流程。"}
    on_clause = client.get("/api/v1/consultations/xihu-2023-demo/comments?clause=12").get_json()
    assert [item["clause_number"] for item in on_clause["items"]] == [12]
    clause = client.get("/api/v1/consultations/xihu-2023-demo/clauses/12").get_json()
    assert clause["published_comment_count"] == 1 and clause["title"] == "实施企业研发投入奖补政策"
    detail = client.get("/api/v1/consultations/xihu-2023-demo").get_json()
    assert detail["published_comment_count"] == 2 and detail["whole_draft_comment_count"] == 1
    assert len(detail["sections"]) == 7 and sum(len(s["clauses"]) for s in detail["sections"]) == 52


def test_hidden_comments_setting_hides_texts(with_comments, client):
    with with_comments.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        consultation.show_approved_comments = False
        db.session.commit()
    listing = client.get("/api/v1/consultations/xihu-2023-demo/comments").get_json()
    assert listing["comments_hidden"] is True and listing["items"] == [] and listing["total"] == 2


def test_errors_are_json(seeded, client):
    assert client.get("/api/v1/consultations/nope").get_json() == {"error": "not_found"}
    assert client.get("/api/v1/consultations/xihu-2023/clauses/99").status_code == 404
    bad = client.get("/api/v1/consultations/xihu-2023/comments?per_page=1000")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "per_page"


def test_cors_is_off_by_default_and_can_be_allowed(seeded, client, app_factory):
    response = client.get("/api/v1/consultations", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    allowed = app_factory(API_CORS_ORIGINS=["https://open.example"]).test_client()
    response = allowed.get("/api/v1/consultations", headers={"Origin": "https://open.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://open.example"


def test_openapi_document_is_valid_and_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    routes = {re.sub(r"<(?:int:)?(\w+)>", r"<\1>", rule.rule.removeprefix("/api/v1"))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert routes - {"/openapi.json"} == documented


@pytest.fixture
def api_schema(with_comments):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", with_comments)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_schemathesis_finds_no_server_error(case):
    case.call_and_validate()
