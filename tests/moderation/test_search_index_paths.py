"""The queue's search index follows every path that writes the searched text: the web form, offline
intake, a staff edit of the published text and its restore, the privacy purge. On PostgreSQL the
grams live in the side table comment_search_grams (migration 20261208_search_grams_table): every
comment has its row, equal to wf_comment_grams of its values, and a status change, a decision or a
cluster action leaves those rows alone (their xmin stays), as do UPDATEs that set the same text."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

import westlake_feedback.moderation  # noqa: F401  (first: clusters.staff and moderation import each other)
from helpers import csrf_from, make_comment
from intake_helpers import post_offline
from westlake_feedback.accounts.models import User
from westlake_feedback.clusters import staff as cluster_staff
from westlake_feedback.clusters.models import CommentCluster
from westlake_feedback.clusters.staff import ClusterAction
from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.moderation.queue import QueueFilters, queue_query
from westlake_feedback.privacy.services import purge, retention

SLUG = "xihu-2023-demo"
CLAUSE_12 = f"/c/{SLUG}/clauses/12"
PG_URL = os.environ.get("WESTLAKE_TEST_DATABASE_URL", "")


def found(q: str) -> set[int]:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    return {c.id for c in db.session.scalars(queue_query(consultation, QueueFilters(q=q), joined=False))}


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def assert_side_table_in_step() -> None:
    """PostgreSQL: one row per comment, holding the grams of its current values (as a set)."""
    if not postgresql():
        return
    wrong = db.session.execute(text("""
        SELECT c.id FROM comments c LEFT JOIN comment_search_grams g ON g.comment_id = c.id
        WHERE g.comment_id IS NULL
           OR ARRAY(SELECT DISTINCT x FROM unnest(g.grams) AS x ORDER BY 1) IS DISTINCT FROM
              ARRAY(SELECT DISTINCT x FROM unnest(wf_comment_grams(c.body, c.published_body, c.name,
                                                                   c.organisation)) AS x ORDER BY 1)""")).all()
    assert wrong == []
    orphans = db.session.scalar(text(
        "SELECT count(*) FROM comment_search_grams g WHERE NOT EXISTS (SELECT 1 FROM comments c WHERE c.id = g.comment_id)"))
    assert orphans == 0


def staff_post(client, url: str, **data):
    token = csrf_from(client.get("/staff/password").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_web_and_offline_comments_are_found(seeded, post_comment, login_as):
    response = post_comment(CLAUSE_12, f"{CLAUSE_12}/comment", body="银杏叶的意见", name="欧阳",
                            identity_type="company", organisation="梧桐科技")
    assert response.status_code == 303
    moderator = login_as("moderator")
    assert post_offline(moderator, body="来信谈樟树林", name="司马").status_code == 303
    with seeded.app_context():
        web = db.session.scalar(select(Comment.id).where(Comment.body == "银杏叶的意见"))
        letter = db.session.scalar(select(Comment.id).where(Comment.body == "来信谈樟树林"))
        for q in ("银", "银杏", "银杏叶的", "欧阳", "梧桐科技"):
            assert found(q) == {web}, q
        for q in ("樟", "樟树", "来信谈樟树林", "司马"):
            assert found(q) == {letter}, q
        assert_side_table_in_step()


def test_staff_edit_and_restore_of_the_published_text(seeded, login_as):
    with seeded.app_context():
        comment_id = make_comment(clause=12, body="原文留有电话13800001234的意见")
    moderator = login_as("moderator")
    url = f"/staff/comments/{comment_id}"
    assert staff_post(moderator, f"{url}/redact", published_body="已编辑:桂花路的意见").status_code == 303
    with seeded.app_context():
        assert found("桂花") == {comment_id} and found("桂花路的") == {comment_id}
        assert found("13800001234") == {comment_id}  # staff still find the original text
        assert_side_table_in_step()
    assert staff_post(moderator, f"{url}/restore").status_code == 303
    with seeded.app_context():
        assert db.session.get(Comment, comment_id).published_body is None
        assert found("桂花") == set() and found("桂花路的") == set()
        assert found("电话") == {comment_id}
        assert_side_table_in_step()


def test_the_privacy_purge_takes_names_out_of_the_index(seeded):
    with seeded.app_context():
        private = make_comment(clause=12, body="关于公园的意见", name="诸葛", organisation="某某小学",
                               identity_type="individual", publish_name=False)
        public = make_comment(clause=12, body="关于湖边的意见", name="欧阳", organisation="某某科技有限公司",
                              identity_type="company", publish_name=True)
        assert found("诸葛") == {private} and found("某某小学") == {private} and found("欧阳") == {public}
        closes = db.session.scalar(select(Consultation.closes_at).where(Consultation.slug == SLUG))
        result = purge(now=closes + retention() + timedelta(days=1))
        assert result.consultations and db.session.get(Comment, private).name is None
        assert found("诸葛") == set() and found("某某小学") == set() and found("某某") == {public}
        assert found("欧阳") == {public} and found("公园") == {private}
        assert_side_table_in_step()


def _xmins() -> dict[int, str]:
    return dict(db.session.execute(text("SELECT comment_id, xmin::text FROM comment_search_grams")).all())


def _moderator() -> User:
    return db.session.scalar(select(User).where(User.email == "moderator@xihu.example"))


@pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="the side table is PostgreSQL's")
def test_status_decision_and_cluster_updates_leave_the_side_table_alone(seeded, staff, login_as):
    with seeded.app_context():
        ids = [make_comment(clause=12, body=f"楼道充电点的意见,第{n}份。", name="王") for n in range(4)]
        consultation_id = db.session.get(Comment, ids[0]).consultation_id
        before = _xmins()
        assert set(before) >= set(ids)
    moderator = login_as("moderator")
    assert staff_post(moderator, f"/staff/comments/{ids[0]}/approve").status_code == 303
    assert staff_post(moderator, f"/staff/comments/{ids[1]}/reject", reason="duplicate").status_code == 303
    assert staff_post(moderator, f"/staff/comments/{ids[2]}/decision", outcome="adopted",
                      response="已采纳。").status_code == 303
    with seeded.app_context():
        db.session.add(CommentCluster(id=ids[0], consultation_id=consultation_id, size=len(ids)))
        db.session.flush()
        comments = Comment.__table__
        db.session.execute(update(comments).where(comments.c.id.in_(ids)).values(cluster_id=ids[0]))
        db.session.commit()
        cluster_staff.apply_to_cluster(db.session.get(CommentCluster, ids[0]),
                                       ClusterAction("spam", outcome="not_adopted", response="重复。"), _moderator())
        db.session.commit()
        # Core UPDATEs naming the searched columns with the values they already have.
        db.session.execute(update(comments).where(comments.c.id.in_(ids)).values(
            body=comments.c.body, name="王", status="approved"))
        db.session.commit()
        assert db.session.scalars(select(Comment.status).where(Comment.id.in_(ids))).all() == ["approved"] * 4
        assert _xmins() == before
        # A real edit does write its row, and only its row.
        db.session.execute(update(comments).where(comments.c.id == ids[3]).values(name="李"))
        db.session.commit()
        after = _xmins()
        assert after[ids[3]] != before[ids[3]]
        assert {k: v for k, v in after.items() if k != ids[3]} == {k: v for k, v in before.items() if k != ids[3]}
        assert found("李") == {ids[3]} and found("王") == set(ids[:3])
        assert_side_table_in_step()
