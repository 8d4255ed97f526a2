"""The staff queue's substring search, read through an index instead of scanning every comment.

What matches is exactly what the plain LIKE search matched (`exact_match`): the query as a
substring of the body, the redacted body, the name or the organisation (ASCII letters in any case
on SQLite, any letters in any case on PostgreSQL), or the receipt code itself. The index only finds
the candidates, a superset, which `exact_match` then filters; a candidate it wrongly offered costs
time, never a wrong result.

- SQLite: the FTS5 trigram table `comment_search` (migration 20261203_search_queue_index, kept by
  triggers). Queries of 3 or more characters are a phrase MATCH. Shorter ones (Chinese words are
  often 2 characters: 申报) read the trigrams that begin with them from the fts5vocab table
  `comment_search_terms`: every indexed value ends in two U+001F, so every 1- or 2-character
  substring begins a trigram.
- PostgreSQL: the side table `comment_search_grams` (migration 20261208_search_grams_table): per
  comment the characters and character pairs of its lower-cased values, under a GIN index, written
  by triggers when a comment is inserted or one of those values changes (never by a status or
  decision update); a query asks for all its character pairs (or its one character), through
  `wf_search_candidates(q)`, which always reads the GIN index.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, column, func, literal, or_, select, table, text, union

from ..comments.models import Comment

FTS_TABLE = "comment_search"
FTS_VOCAB = "comment_search_terms"
SEARCH_TABLES = (FTS_TABLE, FTS_VOCAB)
GRAMS_TABLE = "comment_search_grams"  # FTS_TABLE is its prefix: include_name skips it too
GRAMS_INDEX = "ix_comment_search_grams"
TOP = "\U0010ffff"  # sorts after every character: [prefix, prefix + TOP) is "starts with prefix"


def exact_match(q: str) -> ColumnElement[bool]:
    """The search as it always was, one LIKE per column (never phone or email)."""
    return or_(
        Comment.body.icontains(q, autoescape=True),
        Comment.published_body.icontains(q, autoescape=True),
        Comment.name.icontains(q, autoescape=True),
        Comment.organisation.icontains(q, autoescape=True),
    )


def candidate_ids(q: str, dialect: str) -> Select | None:
    """The ids the index offers for `q` (a superset of the matches), None without an index."""
    if dialect == "sqlite":
        # With the receipt code's row: the queue's ordering index is walked testing ids alone.
        return union(_fts_rowids(q), select(Comment.id).where(Comment.receipt_code == q.upper()))
    if dialect == "postgresql":
        # The GIN index lookup, always (migration 20261210_search_candidates: the planner took a
        # sequential scan ten times slower for common words).
        found = func.wf_search_candidates(literal(q)).table_valued("comment_id").render_derived()
        return select(found.c.comment_id)
    return None


def search_condition(q: str, dialect: str, ids: Select | None = None) -> ColumnElement[bool]:
    """Comments matching `q` (non-empty); `ids` is `candidate_ids` or a select from it (a CTE
    that several counts share)."""
    receipt = Comment.receipt_code == q.upper()
    if ids is None:
        ids = candidate_ids(q, dialect)
    if ids is None:
        return or_(exact_match(q), receipt)  # another database: the LIKE alone
    if dialect == "postgresql":
        # The candidates are read from the GIN index once, as a hashed set of ids (the OR keeps
        # PostgreSQL from turning it into a join that would match every row with ILIKE first).
        # A query of 1 or 2 characters (lower-cased) is one gram, so its candidates are exactly
        # the matches; PostgreSQL folds the length test away before any ILIKE runs.
        exact = or_(func.length(func.lower(literal(q))) <= 2, exact_match(q))
        return or_(and_(Comment.id.in_(ids), exact), receipt)
    return and_(Comment.id.in_(ids), or_(exact_match(q), receipt))


def _fts_rowids(q: str):
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        return select(column("rowid").label("id")).select_from(table(FTS_TABLE)).where(text(f"{FTS_TABLE} MATCH :phrase")
                                                                          .bindparams(phrase=phrase))
    prefix = fold(q)
    term = column("term")
    return select(column("doc").label("id")).select_from(table(FTS_VOCAB)).where(term >= prefix, term < prefix + TOP)


def fold(q: str) -> str:
    """The query as the trigram tokenizer (case_sensitive 0) stores text: one lower-case
    character per character."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in q)


def include_name(name, type_, parent_names) -> bool:
    """Alembic autogenerate: the search index is the migration's business, not the models'."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "index":
        return name != GRAMS_INDEX
    return True
