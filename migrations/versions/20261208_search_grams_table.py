"""PostgreSQL search grams in a side table kept by triggers, not a GIN expression index on comments

The staff queue's search on PostgreSQL (westlake_feedback/moderation/search.py) read a GIN index
over `comment_search_grams(body, published_body, name, organisation)` on `comments`. Every UPDATE
of a comment that is not HOT (a status change, a decision's moderated_at, a cluster action) then
evaluated that function again and re-inserted the row's GIN entries: about 4 of the 6 s of one
decision for a 20,000-member cluster. Now, as SQLite does with its FTS5 table:

- `comment_search_grams(comment_id, grams)`: one row per comment (ON DELETE / ON UPDATE CASCADE),
  a GIN index over `grams`;
- triggers write it AFTER INSERT of a comment and AFTER UPDATE OF body, published_body, name,
  organisation when one of them changed; status, decision or cluster updates never touch it;
- `wf_comment_grams` computes the same grams as before (every character and every pair of
  adjacent characters of each lower-cased value, never across values) in one PL/pgSQL call:
  string_to_array(v, NULL) splits a value once, where substr(t, i, ...) walked the text from its
  start for every character (9 instead of 47 microseconds for a 28-character comment, 1.1 instead
  of 57 milliseconds for 2,575 characters). Duplicates stay: the GIN index stores each key once.

No index expression calls a function any more, so ANALYZE, REINDEX or a pg_restore (run with an
empty search_path; PostgreSQL 17 does so for every maintenance command) no longer depend on finding
wf_grams by name. The table is back-filled from the comments already there. SQLite: nothing changes.

Revision ID: 20261208_search_grams_table
Revises: 20261207_outbox_deferred_render
Create Date: 2026-12-08 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261208_search_grams_table"
down_revision = "20261207_outbox_deferred_render"
branch_labels = None
depends_on = None

VALUES = "{0}body, {0}published_body, {0}name, {0}organisation"
CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("body", "published_body", "name", "organisation"))

UPGRADE = [
    # Every character and every pair of adjacent characters of each lower-cased value.
    """CREATE FUNCTION wf_comment_grams(body text, published_body text, name text, organisation text)
        RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
        v text;
        ch text[];
        grams text[] := '{}';
    BEGIN
        FOREACH v IN ARRAY ARRAY[lower(body), lower(published_body), lower(name), lower(organisation)] LOOP
            CONTINUE WHEN v IS NULL OR v = '';
            ch := string_to_array(v, NULL);
            grams := grams || ch;
            FOR i IN 1 .. cardinality(ch) - 1 LOOP
                grams := grams || (ch[i] || ch[i + 1]);
            END LOOP;
        END LOOP;
        RETURN grams;
    END
    $$""",
    """CREATE TABLE comment_search_grams (
        comment_id integer PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE ON UPDATE CASCADE,
        grams text[] NOT NULL
    )""",
    # Its names are resolved in the schema it was made in, whatever the writing session's search_path.
    f"""CREATE FUNCTION wf_comment_search_grams_sync() RETURNS trigger LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO comment_search_grams (comment_id, grams)
            VALUES (NEW.id, wf_comment_grams({VALUES.format('NEW.')}));
        ELSE
            INSERT INTO comment_search_grams (comment_id, grams)
            VALUES (NEW.id, wf_comment_grams({VALUES.format('NEW.')}))
            ON CONFLICT (comment_id) DO UPDATE SET grams = EXCLUDED.grams;
        END IF;
        RETURN NULL;
    END
    $$""",
    # Created before the back-fill: its lock on comments keeps writers out until the commit.
    "CREATE TRIGGER comments_search_grams_insert AFTER INSERT ON comments "
    "FOR EACH ROW EXECUTE FUNCTION wf_comment_search_grams_sync()",
    "CREATE TRIGGER comments_search_grams_update AFTER UPDATE OF body, published_body, name, organisation "
    f"ON comments FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION wf_comment_search_grams_sync()",
    f"INSERT INTO comment_search_grams (comment_id, grams) SELECT id, wf_comment_grams({VALUES.format('')}) "
    "FROM comments",
    "CREATE INDEX ix_comment_search_grams ON comment_search_grams USING gin (grams)",
    "DROP INDEX ix_comments_search_grams",
    "DROP FUNCTION comment_search_grams(text, text, text, text)",
    "DROP FUNCTION wf_grams(text)",
]

# As migration 20261203_search_queue_index made them.
DOWNGRADE = [
    """CREATE FUNCTION wf_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
            SELECT substr(t, i, 1) AS g FROM generate_series(1, length(t)) AS i
            UNION ALL
            SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
        ) AS grams
    $$""",
    """CREATE FUNCTION comment_search_grams(body text, published_body text, name text, organisation text)
        RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT wf_grams(lower(coalesce(body, ''))) || wf_grams(lower(coalesce(published_body, '')))
            || wf_grams(lower(coalesce(name, ''))) || wf_grams(lower(coalesce(organisation, '')))
    $$""",
    "CREATE INDEX ix_comments_search_grams ON comments USING gin "
    "(comment_search_grams(body, published_body, name, organisation))",
    "DROP TRIGGER comments_search_grams_update ON comments",
    "DROP TRIGGER comments_search_grams_insert ON comments",
    "DROP FUNCTION wf_comment_search_grams_sync()",
    "DROP TABLE comment_search_grams",
    "DROP FUNCTION wf_comment_grams(text, text, text, text)",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
