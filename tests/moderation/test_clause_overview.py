"""The 条款答复 tab: per clause, its opinions (spam left out), how many are decided, and whether it
has a summary response; read from the stored tallies, so it does not grow with the comments."""
from __future__ import annotations

import re

from sqlalchemy import event, select

from helpers import make_comment
from westlake_feedback.accounts.models import User
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.decisions import set_decision

PAGE = "/staff/c/xihu-2023-demo/clauses"


def row_of(html: str, label: str) -> list[str]:
    """The cells of the clause row whose heading starts with `label` (as '3.')."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        heading = re.search(r"<th scope=\"row\"><a [^>]*>(.*?)</a>", row, re.S)
        if heading and heading.group(1).startswith(label):
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row for {label}")


def test_counts_follow_moderation_and_decisions(seeded, login_as, staff):
    with seeded.app_context():
        admin = db.session.scalar(select(User).where(User.email == staff["admin"]))
        ids = {status: [make_comment(clause=3, status=status) for _ in range(n)]
               for status, n in (("pending", 2), ("approved", 3), ("rejected", 1), ("spam", 4))}
        make_comment(clause=5, status="approved")
        make_comment(clause=None, status="approved")  # on the whole draft: in no clause row
        for comment_id in ids["approved"][:2] + ids["rejected"]:
            set_decision(db.session.get(Comment, comment_id), admin, "adopted", None)
        set_decision(db.session.get(Comment, ids["spam"][0]), admin, "not_adopted", "重复")
        db.session.commit()
    client = login_as("moderator")
    html = client.get(PAGE).get_data(as_text=True)
    assert row_of(html, "3.")[1:3] == ["6", "3 (3条未决定)"]
    assert row_of(html, "5.")[1:3] == ["1", "0 (1条未决定)"]
    assert row_of(html, "4.")[1:3] == ["0", "0"]

    with seeded.app_context():  # a pending comment marked spam leaves; a rejected one comes back
        db.session.get(Comment, ids["pending"][0]).status = "spam"
        db.session.get(Comment, ids["spam"][1]).status = "rejected"
        db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert row_of(html, "3.")[1:3] == ["6", "3 (3条未决定)"]
    with seeded.app_context():
        db.session.get(Comment, ids["spam"][2]).status = "approved"
        db.session.delete(db.session.get(Comment, ids["approved"][0]))  # decided: both counts drop
        db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert row_of(html, "3.")[1:3] == ["6", "2 (4条未决定)"]


def test_the_overview_reads_no_comment_rows(seeded, login_as):
    with seeded.app_context():
        make_comment(clause=3, status="approved")
        engine = db.engine
    client = login_as("analyst")
    statements: list[str] = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(PAGE).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    overview = [s for s in statements if "feedback_tallies" in s]
    assert len(overview) == 1
    assert not any(re.search(r"\bFROM comments\b|\bJOIN comments\b", s) for s in statements), statements
