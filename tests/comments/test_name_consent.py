"""同意公开姓名/单位: with the commenter's consent their name (or, for a company or social
organisation, its name) is shown beside the published comment, in the published feedback and in
the API; without it everything stays anonymous. Staff record the consent of offline senders, see
it on the comment page and may withdraw it, never give it."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from feedback_helpers import SECRETS as FEEDBACK_SECRETS, make_feedback_data
from helpers import STAFF_EMAILS, csrf_from, make_comment
from intake_helpers import post_offline
from westlake_feedback.accounts.services import user_by_email
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.feedback.services import publish_feedback
from westlake_feedback.moderation.models import Decision

CLAUSE = "/c/xihu-2023-demo/clauses/12"
ACTION = CLAUSE + "/comment"


def stored(app, receipt_location: str) -> Comment:
    code = receipt_location.rsplit("/", 1)[-1]
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.receipt_code == code))
        db.session.expunge(comment)
        return comment


def approve(app, comment_id: int) -> None:
    with app.app_context():
        db.session.get(Comment, comment_id).status = "approved"
        db.session.commit()


def published_list(client) -> str:
    html = client.get(CLAUSE).get_data(as_text=True)
    return html[html.index('class="published-comments"'):]


def test_the_form_offers_the_consent_unticked_and_optional(seeded, client):
    html = client.get(CLAUSE).get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="publish_name"[^>]*>', html)
    assert 'type="checkbox"' in box and "checked" not in box and "required" not in box
    assert 'aria-describedby="publish_name-hint"' in box
    assert '<label for="publish_name">同意公开姓名/单位</label>' in html


def test_with_consent_the_name_is_shown_beside_the_published_comment(seeded, client, post_comment):
    response = post_comment(CLAUSE, ACTION, name="王愿公开", publish_name="y")
    assert response.status_code == 303
    comment = stored(seeded, response.headers["Location"])
    assert comment.publish_name is True
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "同意公开:意见公开时显示“王愿公开”" in receipt

    assert "王愿公开" not in published_list(client)  # still pending
    approve(seeded, comment.id)
    listed = published_list(client)
    assert '<span class="comment-author">王愿公开</span>(个人)' in listed
    assert "13812345678" not in listed and "zhang@example.com" not in listed and comment.receipt_code not in listed


def test_an_organisation_is_shown_by_its_name_not_the_persons(seeded, client, post_comment):
    response = post_comment(CLAUSE, ACTION, name="赵经理", identity_type="company", organisation="杭州愿公开科技有限公司",
                            publish_name="y")
    comment = stored(seeded, response.headers["Location"])
    approve(seeded, comment.id)
    listed = published_list(client)
    assert '<span class="comment-author">杭州愿公开科技有限公司</span>(企业)' in listed
    assert "赵经理" not in listed


def test_without_consent_nothing_changes(seeded, client, post_comment):
    response = post_comment(CLAUSE, ACTION, name="李不愿", identity_type="social_org", organisation="某不愿协会")
    comment = stored(seeded, response.headers["Location"])
    assert comment.publish_name is False
    assert "不同意,匿名公开" in client.get(response.headers["Location"]).get_data(as_text=True)
    approve(seeded, comment.id)
    listed = published_list(client)
    assert "李不愿" not in listed and "某不愿协会" not in listed and "comment-author" not in listed
    assert "社会组织" in listed


def test_consent_without_a_name_stays_anonymous(seeded, client, post_comment):
    response = post_comment(CLAUSE, ACTION, name="", publish_name="y")
    comment = stored(seeded, response.headers["Location"])
    assert "同意公开,但未填写姓名或单位,将匿名公开" in client.get(response.headers["Location"]).get_data(as_text=True)
    approve(seeded, comment.id)
    assert "comment-author" not in published_list(client)


@pytest.fixture
def feedback_with_consent(seeded, staff):
    """The closed consultation's feedback: make_feedback_data's commenters (no consent) plus one
    approved, answered comment whose author agreed to publish their name."""
    ids = make_feedback_data(seeded, "xihu-2023")
    with seeded.app_context():
        ids["named"] = make_comment("xihu-2023", 12, status="approved", body="建议公布申报咨询电话。", name="王愿公开",
                                    phone="13700001111", email="wang.public@example.com", publish_name=True)
        db.session.add(Decision(comment_id=ids["named"], outcome="adopted", response="已采纳。"))
        db.session.commit()
        ids["named_code"] = db.session.get(Comment, ids["named"]).receipt_code
    with seeded.test_request_context():
        closed = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
        publish_feedback(closed, "说明。", user_by_email(STAFF_EMAILS["admin"]))
    return ids


def test_published_feedback_page_and_api_name_only_the_consenting_commenter(feedback_with_consent, client):
    never = FEEDBACK_SECRETS + ["13700001111", "wang.public@example.com", feedback_with_consent["named_code"]]
    page = client.get("/c/xihu-2023/feedback/clauses/12").get_data(as_text=True)
    assert '<footer class="feedback-author">— 王愿公开</footer>' in page
    assert page.count('class="feedback-author"') == 1
    for other in ("/c/xihu-2023/feedback", "/c/xihu-2023/feedback/whole"):  # the summary names nobody
        assert 'class="feedback-author"' not in client.get(other).get_data(as_text=True)
    for secret in never:
        assert secret not in page

    api = client.get("/api/v1/consultations/xihu-2023/feedback/entries")
    raw = api.get_data(as_text=True)
    authors = {entry["id"]: entry["author"] for entry in api.get_json()["items"]}
    assert authors[feedback_with_consent["named"]] == "王愿公开"
    assert [a for i, a in authors.items() if i != feedback_with_consent["named"]] == [None] * (len(authors) - 1)
    whole = client.get("/api/v1/consultations/xihu-2023/feedback/entries?clause=0").get_json()["items"]
    assert whole[0]["author"] is None
    for secret in never:
        assert secret not in raw + client.get("/api/v1/consultations/xihu-2023/feedback").get_data(as_text=True)


def test_the_api_comment_list_carries_the_author_only_with_consent(seeded, client):
    with seeded.app_context():
        named = make_comment(clause=12, status="approved", name="王愿公开", identity_type="individual", publish_name=True)
        make_comment(clause=12, status="approved", name="李不愿", organisation="某不愿公司", identity_type="company")
    body = client.get("/api/v1/consultations/xihu-2023-demo/comments").get_json()
    assert {item["id"]: item["author"] for item in body["items"]}[named] == "王愿公开"
    assert sorted(item["author"] or "" for item in body["items"]) == ["", "王愿公开"]
    assert "李不愿" not in json.dumps(body, ensure_ascii=False) and "某不愿公司" not in json.dumps(body, ensure_ascii=False)


def test_openapi_documents_the_optional_author(app, client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("Comment", "FeedbackEntry"):
        assert schemas[name]["properties"]["author"]["nullable"] is True
        assert "author" not in schemas[name]["required"]
        assert "同意公开姓名/单位" in schemas[name]["properties"]["author"]["description"]


def test_offline_intake_records_whether_the_sender_consented(seeded, login_as):
    moderator = login_as("moderator")
    page = moderator.get("/staff/intake/xihu-2023-demo/new").get_data(as_text=True)
    assert '<label for="publish_name">来件人同意公开姓名/单位</label>' in page
    assert post_offline(moderator, name="孙来信", publish_name="y").status_code == 303
    assert post_offline(moderator, name="周来信", body="来信:另一条意见,建议简化流程。").status_code == 303
    with seeded.app_context():
        consents = dict(db.session.execute(select(Comment.name, Comment.publish_name)).all())
    assert consents == {"孙来信": True, "周来信": False}


def test_staff_see_the_consent_and_can_withdraw_it(seeded, login_as, client):
    with seeded.app_context():
        comment_id = make_comment(clause=12, status="approved", name="王愿公开", publish_name=True)
    assert "王愿公开" in published_list(client)
    analyst = login_as("analyst").get(f"/staff/comments/{comment_id}").get_data(as_text=True)
    assert "同意(公开时显示“王愿公开”)" in analyst and "withdraw-name-button" not in analyst

    moderator = login_as("moderator")
    page = moderator.get(f"/staff/comments/{comment_id}").get_data(as_text=True)
    assert "withdraw-name-button" in page
    response = moderator.post(f"/staff/comments/{comment_id}/withdraw-name", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert "王愿公开" not in published_list(client)
    after = moderator.get(f"/staff/comments/{comment_id}").get_data(as_text=True)
    assert "不同意(匿名公开)" in after and "withdraw-name-button" not in after
    assert "公开姓名/单位:是 → 否" in after  # the history says who withdrew it
    about_it = select(AuditEntry).where(AuditEntry.action == "redact", AuditEntry.target_id == str(comment_id))
    with seeded.app_context():
        entry = db.session.scalars(about_it).one()
        assert entry.actor_email == STAFF_EMAILS["moderator"]
        assert json.loads(entry.changes) == {"publish_name": [True, False]}
    again = moderator.post(f"/staff/comments/{comment_id}/withdraw-name", data={"csrf_token": csrf_from(after)})
    assert again.status_code == 303  # nothing left to withdraw: no second audit entry
    with seeded.app_context():
        assert len(db.session.scalars(about_it).all()) == 1
