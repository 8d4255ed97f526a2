"""staff queue search index (SQLite FTS5 trigram, PostgreSQL n-gram GIN) and ordering indexes

The queue's search matches a substring of the body, the redacted body, the name or the
organisation (see westlake_feedback/moderation/search.py, which reads these indexes):

- SQLite: a contentless FTS5 table `comment_search` with the trigram tokenizer, one row per
  comment (rowid = comments.id), each value followed by two U+001F characters so that every 1- or
  2-character substring begins some trigram; `comment_search_terms` (fts5vocab, instance) reads
  those trigrams by prefix. Triggers keep it in step with every INSERT, UPDATE and DELETE of
  comments (web form, offline intake, staff edits, the privacy purge, bulk Core statements).
- PostgreSQL: a GIN index over the characters and character pairs of the lower-cased values
  (`comment_search_grams`), which, unlike pg_trgm, also indexes 1- and 2-character queries and
  punctuation or emoji. pg_trgm is still enabled for other uses.

Revision ID: 20261203_search_queue_index
Revises: 20261202_flat_pages
Create Date: 2026-12-03 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261203_search_queue_index"
down_revision = "20261202_flat_pages"
branch_labels = None
depends_on = None

COLUMNS = ("body", "published_body", "name", "organisation")


def _values(prefix: str) -> str:
    return ", ".join(f"coalesce({prefix}.{c}, '') || char(31, 31)" for c in COLUMNS)


SQLITE = [
    "CREATE VIRTUAL TABLE comment_search USING fts5("
    + ", ".join(COLUMNS) + ", content='', tokenize='trigram', detail=full)",
    "CREATE VIRTUAL TABLE comment_search_terms USING fts5vocab(comment_search, 'instance')",
    f"""CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
        INSERT INTO comment_search(rowid, {', '.join(COLUMNS)}) VALUES (new.id, {_values('new')});
    END""",
    f"""CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
        INSERT INTO comment_search(comment_search, rowid, {', '.join(COLUMNS)})
        VALUES ('delete', old.id, {_values('old')});
    END""",
    f"""CREATE TRIGGER comments_search_update AFTER UPDATE OF id, {', '.join(COLUMNS)} ON comments BEGIN
        INSERT INTO comment_search(comment_search, rowid, {', '.join(COLUMNS)})
        VALUES ('delete', old.id, {_values('old')});
        INSERT INTO comment_search(rowid, {', '.join(COLUMNS)}) VALUES (new.id, {_values('new')});
    END""",
    f"INSERT INTO comment_search(rowid, {', '.join(COLUMNS)}) SELECT id, {_values('comments')} FROM comments",
]

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Every character and every pair of adjacent characters of a text.
    """CREATE FUNCTION wf_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
            SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
            UNION ALL
            SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
        ) AS grams
    $$""",
    # What a query asks for: its character pairs (its one character when it has one).
    """CREATE FUNCTION wf_query_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT CASE WHEN length(t) < 2 THEN ARRAY[t]
               ELSE (SELECT array_agg(DISTINCT substr(t, i, 2)) FROM generate_series(1, length(t) - 1) AS i)
               END
    $$""",
    """CREATE FUNCTION comment_search_grams(body text, published_body text, name text, organisation text)
        RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT wf_grams(lower(coalesce(body, ''))) || wf_grams(lower(coalesce(published_body, '')))
            || wf_grams(lower(coalesce(name, ''))) || wf_grams(lower(coalesce(organisation, '')))
    $$""",
    "CREATE INDEX ix_comments_search_grams ON comments USING gin "
    "(comment_search_grams(body, published_body, name, organisation))",
]


def upgrade():
    # The queue without a status filter, newest or oldest first, along one index.
    op.create_index("ix_comments_consultation_created", "comments", ["consultation_id", "created_at", "id"])
    # (consultation_id, status, created_at) gains the id the queue breaks ties with (SQLite has it
    # implicitly as the rowid; PostgreSQL needs it to read the order off the index).
    op.create_index("ix_comments_consultation_status_created_id", "comments",
                    ["consultation_id", "status", "created_at", "id"])
    op.drop_index("ix_comments_consultation_status_created", table_name="comments")
    dialect = op.get_bind().dialect.name
    for statement in SQLITE if dialect == "sqlite" else POSTGRESQL if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("comments_search_insert", "comments_search_delete", "comments_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS comment_search_terms")
        op.execute("DROP TABLE IF EXISTS comment_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_comments_search_grams")
        op.execute("DROP FUNCTION IF EXISTS comment_search_grams(text, text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS wf_query_grams(text)")
        op.execute("DROP FUNCTION IF EXISTS wf_grams(text)")
    op.create_index("ix_comments_consultation_status_created", "comments",
                    ["consultation_id", "status", "created_at"])
    op.drop_index("ix_comments_consultation_status_created_id", table_name="comments")
    op.drop_index("ix_comments_consultation_created", table_name="comments")
