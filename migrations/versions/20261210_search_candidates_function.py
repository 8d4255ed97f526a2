"""PostgreSQL: the staff search reads its candidates through the GIN index, never a scan of every row

The candidates of a search are the rows of `comment_search_grams` whose grams contain the query's
(westlake_feedback/moderation/search.py). For a common word (申报 in every fifth comment of the
bench) the planner estimated a sequential scan of that table as about as cheap as the bitmap scan of
its GIN index; it ran ten times slower (134 against 14 ms at 100,000 comments: `@>` on each row's
array of every character and pair of its texts costs far more than the planner's one operator), and
the queue page and its counts each paid it. `wf_search_candidates(q)` runs that one SELECT with
enable_seqscan off (in PL/pgSQL, so it is not inlined and the setting holds for it alone): the
index is always used, and a bitmap scan is never slower here, as no row needs rechecking. SQLite:
nothing changes (FTS5 has no such choice).

Revision ID: 20261210_search_candidates
Revises: 20261209_feedback_tallies
Create Date: 2026-12-03 00:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "20261210_search_candidates"
down_revision = "20261209_feedback_tallies"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE FUNCTION wf_search_candidates(q text) RETURNS SETOF integer
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 1000
    SET enable_seqscan = off
AS $$
BEGIN
    RETURN QUERY SELECT g.comment_id FROM comment_search_grams AS g WHERE g.grams @> wf_query_grams(lower(q));
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION wf_search_candidates(text)")
