"""The moderation queue runs a fixed number of SQL statements per page, however many comments the
page lists (decisions are loaded for the whole page at once, not one query per comment)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision
from westlake_feedback.timeutil import now_utc
from helpers import make_comment

QUEUE = "/staff/c/xihu-2023-demo/comments"


def add_comments(app, count: int) -> None:
    with app.app_context():
        for i in range(count):
            comment_id = make_comment(clause=i % 5 + 1, body=f"第{i}条意见:建议明确资金拨付的时间节点。")
            if i % 2:
                db.session.add(Decision(comment_id=comment_id, outcome="adopted", response="",
                                        decided_at=now_utc()))
        db.session.commit()


def statements(app, client, url: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


@pytest.mark.parametrize("url", [QUEUE, f"{QUEUE}?decision=decided", f"{QUEUE}?q=资金&sort=clause", f"{QUEUE}?q=拨付的时间",
                                 f"{QUEUE}?q=资&status=pending&decision=adopted"])
def test_queue_statements_do_not_grow_with_the_comments_listed(seeded, login_as, url):
    moderator = login_as("moderator")
    add_comments(seeded, 4)
    statements(seeded, moderator, url)  # warm: the first request of a session does extra work
    few = statements(seeded, moderator, url)
    add_comments(seeded, 36)
    with seeded.app_context():
        assert db.session.scalar(select(db.func.count(Comment.id))) == 40
    assert statements(seeded, moderator, url) == few
