"""One page of a clause's published comments, newest first, at a cost of one page.

The number of pages comes from the stored count (clauses.approved_count), never from count(*).
`?page=N` reads by OFFSET/LIMIT along the index (clause_id, status, created_at, id); the link to
older comments also carries `before=<cursor>` (the last comment shown), which reads the next page
by keyset, so walking through a clause costs the same on page 500 as on page 1.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import tuple_

from ..consultations.models import Clause
from ..extensions import db
from .models import Comment
from .services import published_comments_for_clause

CURSOR = re.compile(r"^(\d{1,17})_(\d{1,12})$")


@dataclass
class CommentPage:
    items: list[Comment]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages and len(self.items) == self.per_page

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def next_cursor(self) -> str | None:
        """`before=` for the page of older comments: the position of the last one shown."""
        if not self.has_next:
            return None
        last = self.items[-1]
        return f"{round(last.created_at.timestamp() * 1_000_000)}_{last.id}"


def parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    """A cursor made by `next_cursor`; anything else is None (the page number then applies)."""
    match = CURSOR.match((text or "").strip())
    if not match:
        return None
    try:
        at = datetime.fromtimestamp(int(match.group(1)) / 1_000_000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return at, int(match.group(2))


def clause_comment_page(clause: Clause, page: int, per_page: int, *, before: str | None = None,
                        with_items: bool = True) -> CommentPage:
    """Page `page` of the clause's approved comments. With a valid `before` cursor the page is read
    by keyset (comments older than the cursor) and `page` is only the number shown."""
    total = clause.approved_count
    items: list[Comment] = []
    if with_items and total:
        query = published_comments_for_clause(clause).limit(per_page)
        cursor = parse_cursor(before)
        if cursor is not None:
            query = query.where(tuple_(Comment.created_at, Comment.id) < tuple_(*cursor))
        else:
            query = query.offset((page - 1) * per_page)
        items = list(db.session.scalars(query))
    return CommentPage(items=items, page=page, per_page=per_page, total=total)
