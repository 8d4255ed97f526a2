"""The codebook (admins), tagging one comment and in bulk (moderators and admins), the queue's tag
filter (query counts along its index), audit entries, and bad input that never gives a 500."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bench.counts import counting
from helpers import csrf_from, make_comment
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.extensions import db
from westlake_feedback.tags.models import CommentTag, Tag

SLUG = "xihu-2023-demo"
BOOK = f"/staff/c/{SLUG}/tags"
QUEUE = f"/staff/c/{SLUG}/comments"


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url: str, **data):
    token = csrf_from(text(client.get("/staff/password")))
    return client.post(url, data={"csrf_token": token, **data})


def tag_ids(app) -> dict[str, int]:
    with app.app_context():
        return {name: id_ for id_, name in db.session.execute(select(Tag.id, Tag.name))}


def tags_on(app, comment_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Tag.name).join(CommentTag, CommentTag.tag_id == Tag.id)
                                      .where(CommentTag.comment_id == comment_id)))


def audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return found


@pytest.fixture
def comments(seeded, staff, app) -> list[int]:
    with app.app_context():
        return [make_comment(clause=12, body=f"第十二条的申报期限建议延长到{n}十天。") for n in "三四五六"]


@pytest.fixture
def book(comments, login_as, app) -> dict[str, int]:
    admin = login_as("admin")
    for name, description in (("资金", "涉及资金拨付"), ("期限", ""), ("=HYPERLINK(1)", "公式样式的名称")):
        assert post(admin, BOOK, name=name, description=description).status_code == 303
    return tag_ids(app)


def test_an_admin_keeps_the_codebook_with_unique_names(book, login_as, app):
    admin = login_as("admin")
    page = text(admin.get(BOOK))
    assert "资金" in page and "涉及资金拨付" in page and "=HYPERLINK(1)" in page
    # The same name again (also differing only in case or blanks) is refused with the input kept.
    for name in ("资金", " 资金 "):
        refused = post(admin, BOOK, name=name, description="重复")
        assert refused.status_code == 400
        assert "已有名为“资金”的标签" in text(refused) and 'value="资金"' in text(refused)
    assert post(admin, BOOK, name="A;B").status_code == 400
    assert post(admin, BOOK, name="").status_code == 400
    assert post(admin, BOOK, name="长" * 31).status_code == 400
    assert post(admin, BOOK, name="期限", description="长" * 201).status_code == 400
    assert set(tag_ids(app)) == {"资金", "期限", "=HYPERLINK(1)"}
    # Edit: renaming onto another tag's name is refused; a real change is saved and audited.
    edit = f"{BOOK}/{book['期限']}"
    assert admin.get(edit).status_code == 200
    assert post(admin, edit, name="资金").status_code == 400
    assert post(admin, edit, name="申报期限", description="期限与时间节点").status_code == 303
    assert set(tag_ids(app)) == {"资金", "申报期限", "=HYPERLINK(1)"}
    changes = [json.loads(e.changes) for e in audit(app, "codebook_change")]
    assert changes[-1] == {"name": ["期限", "申报期限"], "description": ["", "期限与时间节点"]}
    assert len(changes) == 4  # three created, one edited


def test_deleting_a_tag_needs_confirmation_and_removes_it_from_comments(book, comments, login_as, app):
    admin = login_as("admin")
    assert post(admin, f"/staff/comments/{comments[0]}/tags", tag_ids=[book["资金"]]).status_code == 303
    delete = f"{BOOK}/{book['资金']}/delete"
    refused = post(admin, delete)
    assert refused.status_code == 400 and "请勾选确认后再删除" in text(refused)
    assert post(admin, delete, confirm="y").status_code == 303
    assert "资金" not in tag_ids(app) and tags_on(app, comments[0]) == set()
    assert json.loads(audit(app, "codebook_change")[-1].changes)["comments"] == [1, 0]


def test_another_consultations_tag_is_not_found(book, login_as, app):
    admin = login_as("admin")
    assert admin.get(f"/staff/c/xihu-2023/tags/{book['资金']}").status_code == 404
    assert post(admin, f"/staff/c/xihu-2023/tags/{book['资金']}/delete", confirm="y").status_code == 404


def test_a_moderator_tags_one_comment_on_its_page_and_it_is_audited(book, comments, login_as, app):
    moderator = login_as("moderator")
    url = f"/staff/comments/{comments[0]}"
    page = text(moderator.get(url))
    assert 'name="tag_ids"' in page and "涉及资金拨付" in page
    assert post(moderator, f"{url}/tags", tag_ids=[book["资金"], book["期限"]]).status_code == 303
    assert tags_on(app, comments[0]) == {"资金", "期限"}
    assert post(moderator, f"{url}/tags", tag_ids=[book["期限"]]).status_code == 303
    assert tags_on(app, comments[0]) == {"期限"}
    assert post(moderator, f"{url}/tags", tag_ids=[book["期限"]]).status_code == 303  # nothing changes
    entries = audit(app, "comment_tags")
    assert [json.loads(e.changes)["tags"] for e in entries] == [[None, "期限；资金"], ["期限；资金", "期限"]]
    assert {e.target_id for e in entries} == {str(comments[0])}
    history = text(moderator.get(url))
    assert "意见标签" in history and "期限；资金 → 期限" in history
    # A tag of another consultation, or garbage, is refused as a whole with the page shown again.
    with app.app_context():
        from helpers import consultation
        other = Tag(consultation_id=consultation("xihu-2023").id, name="别处")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    for bad in ([other_id], ["x"], ["99999999999"]):
        refused = post(moderator, f"{url}/tags", tag_ids=bad)
        assert refused.status_code == 400, bad
        assert 'role="alert"' in text(refused)
    assert tags_on(app, comments[0]) == {"期限"}


def test_analysts_read_tags_but_cannot_change_them(book, comments, login_as, app):
    post(login_as("admin"), f"/staff/comments/{comments[0]}/tags", tag_ids=[book["资金"]])
    analyst = login_as("analyst")
    page = text(analyst.get(f"/staff/comments/{comments[0]}"))
    assert "资金" in page and 'name="tag_ids"' not in page
    book_page = text(analyst.get(BOOK))
    assert "资金" in book_page and "添加标签" not in book_page and "编辑或删除" not in book_page
    assert post(analyst, f"/staff/comments/{comments[0]}/tags", tag_ids=[]).status_code == 403
    assert post(analyst, f"{QUEUE}/bulk-tags", ids=comments, tag=book["期限"], tag_action="add").status_code == 403
    assert post(analyst, BOOK, name="新标签").status_code == 403
    assert 'id="bulk-tags"' not in text(analyst.get(QUEUE))
    assert tags_on(app, comments[0]) == {"资金"}


def test_bulk_tagging_from_the_queue(book, comments, login_as, app):
    moderator = login_as("moderator")
    queue = text(moderator.get(QUEUE))
    assert 'id="bulk-tags"' in queue and 'formaction="/staff/c/xihu-2023-demo/comments/bulk-tags' in queue
    response = post(moderator, f"{QUEUE}/bulk-tags?stance=amend", ids=comments[:3], tag=book["资金"], tag_action="add")
    assert response.status_code == 303 and response.headers["Location"].endswith("/comments?stance=amend")
    assert [tags_on(app, c) for c in comments] == [{"资金"}] * 3 + [set()]
    # Again with one more: only the new one changes (one audit entry per changed comment).
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments, tag=book["资金"], tag_action="add")
    assert len(audit(app, "comment_tags")) == 4
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments[:2], tag=book["资金"], tag_action="remove")
    assert [tags_on(app, c) for c in comments] == [set(), set(), {"资金"}, {"资金"}]
    assert len(audit(app, "comment_tags")) == 6


@pytest.mark.parametrize(("data", "message"), [
    ({"tag_action": "add"}, "请先勾选要处理的意见"),
    ({"ids": "IDS", "tag_action": "add"}, "请选择标签"),
    ({"ids": "IDS", "tag": "999999", "tag_action": "add"}, "该标签不存在或不属于本次征求意见"),
    ({"ids": "IDS", "tag": "TAG", "tag_action": "explode"}, "请选择添加或移除标签"),
    ({"ids": ["1x"], "tag": "TAG", "tag_action": "add"}, "所选意见的编号无效"),
    ({"ids": ["999999"], "tag": "TAG", "tag_action": "add"}, "所选意见中有不存在或不属于本次征求意见的条目"),
])
def test_bad_bulk_tag_input_is_refused_with_the_selection_kept(book, comments, login_as, app, data, message):
    data = {key: (comments[:2] if value == "IDS" else book["资金"] if value == "TAG" else value)
            for key, value in data.items()}
    response = post(login_as("moderator"), f"{QUEUE}/bulk-tags", **data)
    assert response.status_code == 400
    assert message in text(response)
    if data.get("ids") == comments[:2]:
        assert f'value="{comments[0]}" id="select-{comments[0]}" checked' in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentTag)) == 0


def test_the_queue_filters_by_tag_and_by_no_tag(book, comments, login_as, app):
    moderator = login_as("moderator")
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments[:2], tag=book["资金"], tag_action="add")
    with app.app_context():
        from westlake_feedback.comments.models import Comment
        codes = dict(db.session.execute(select(Comment.id, Comment.receipt_code)).all())

    def listed(**args) -> set[int]:
        page = text(moderator.get(QUEUE, query_string=args))
        return {c for c, code in codes.items() if f">{code}</a>" in page}

    assert listed(tag=book["资金"]) == set(comments[:2])
    assert listed(tag=0) == set(codes) - set(comments[:2])
    assert listed(tag=book["期限"]) == set()
    assert listed(tag="abc") == set(codes)  # malformed: no filter, no error
    assert listed(tag="99999999999") == set(codes)
    page = text(moderator.get(QUEUE, query_string={"tag": book["资金"]}))
    assert f'<option value="{book["资金"]}" selected>资金</option>' in page
    assert '<span class="badge tag">资金</span>' in page
    # Export links carry the filter.
    assert f"export.csv?tag={book['资金']}" in page


def test_the_queue_runs_a_fixed_number_of_statements_whatever_the_tags(book, comments, login_as, app):
    moderator = login_as("moderator")
    url = f"{QUEUE}?tag={book['资金']}"
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments[:1], tag=book["资金"], tag_action="add")
    moderator.get(url)
    with counting(app) as few:
        moderator.get(url)
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments, tag=book["资金"], tag_action="add")
    post(moderator, f"{QUEUE}/bulk-tags", ids=comments, tag=book["期限"], tag_action="add")
    with counting(app) as many:
        page = text(moderator.get(url))
    assert page.count('<span class="badge tag">期限</span>') == len(comments)
    assert len(many) == len(few)


def test_the_tag_filter_reads_the_tag_index(book, app):
    """The filter is an IN over comment_tags by tag_id: the plan uses (tag_id, comment_id)."""
    from sqlalchemy import text as sql

    from westlake_feedback.moderation.queue import QueueFilters, queue_query
    with app.app_context():
        from helpers import consultation
        query = queue_query(consultation(SLUG), QueueFilters(tag=book["资金"]), joined=False).limit(51)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.session.execute(sql(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "ix_comment_tags_tag_comment" in plan, plan
        else:
            db.session.execute(sql("SET enable_seqscan = off"))
            plan = " ".join(row[0] for row in db.session.execute(sql(f"EXPLAIN {compiled}")))
            db.session.rollback()
            assert "ix_comment_tags_tag_comment" in plan or "comment_tags_pkey" in plan, plan
