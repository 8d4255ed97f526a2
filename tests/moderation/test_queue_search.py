"""The queue's search through its index (SQLite FTS5 trigram, PostgreSQL grams table under GIN) finds exactly
what the plain LIKE search finds, for 1-, 2- and longer queries, punctuation, full-width
characters, LIKE wildcards, quotes and emoji; the index follows inserts, edits and deletes."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, or_, select, text, update

from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Consultation
from westlake_feedback.extensions import db
from westlake_feedback.moderation.queue import QueueFilters, queue_query
from westlake_feedback.moderation.search import exact_match
from helpers import make_comment

SLUG = "xihu-2023-demo"

CORPUS = [
    dict(body="建议进一步明确申报条件和兑现时间。"),
    dict(body="申报"),  # the whole value is the 2-character word
    dict(body="希望简化申报", name="王"),  # the word at the very end; a 1-character name
    dict(body="资金拨付流程过长,希望压缩到三十个工作日以内。", organisation="西湖科技有限公司"),
    dict(body="补贴比例应达到100%,而不是50%。"),
    dict(body="字段名 user_name 和 username 不同;通配符 _ 与 % 要转义。"),
    dict(body="全角字符:ＡＢＣ，１００％，（括号）"),
    dict(body="Mixed Case English: Startup Subsidy, SME support."),
    dict(body="表情也要能搜到 😀👍🏻 以及 ❤️。"),
    dict(body="引号\"双引号\"和'单引号',还有 AND OR NOT NEAR(a b) * - : ^ 这样的检索语法字符。"),
    dict(body="换行\n之后的文字\t和制表符"),
    dict(body="原文含有电话 13800000000", published_body="原文含有电话 [已删除]"),
    dict(body="与申报无关的意见", name="李申", organisation="XY"),
    dict(body="x"),  # a 1-character body
    dict(body="ΣΑΣ Ελληνικά και ÄÖÜ äöü straße İstanbul"),
]

QUERIES = [
    "申", "报", "申报", "申报条件", "希望简化申报", "简化申报", "资金", "西湖科技", "王", "李申", "XY", "xy", "x", "X",
    "%", "_", "100%", "50%", "_n", "user_name", "r_n", "%,", "ＡＢＣ", "abc", "１００％", "（", "括号）",
    "startup", "STARTUP SUBSIDY", "sme", "😀", "👍🏻", "❤️", "😀👍", '"', '"双引号"', "'", "AND", "NEAR(a b)", "*",
    "- :", "^", "\n", "之后", "[已删除]", "13800000000", "电话 1", "σας", "ΣΑΣ", "äöü", "ÄÖÜ", "STRASSE", "straße",
    "İ", "i", "无此词语", "第99999条", "。", ",", "意见", "的",
]


def like_ids(consultation_id: int, q: str) -> list[int]:
    """The search before the index: LIKE over the columns (and the receipt code)."""
    query = (select(Comment.id).where(Comment.consultation_id == consultation_id,
                                      or_(exact_match(q), Comment.receipt_code == q.upper()))
             .order_by(Comment.created_at.desc(), Comment.id.desc()))
    return list(db.session.scalars(query))


def indexed_ids(consultation: Consultation, q: str, **filters) -> list[int]:
    query = queue_query(consultation, QueueFilters(q=q, **filters), joined=False)
    return [comment.id for comment in db.session.scalars(query)]


@pytest.fixture
def corpus(seeded):
    with seeded.app_context():
        ids = [make_comment(clause=i % 3 + 1, **fields) for i, fields in enumerate(CORPUS)]
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    return seeded, consultation.id, ids


def test_search_finds_exactly_what_like_finds(corpus):
    app, consultation_id, ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        receipt = db.session.get(Comment, ids[4]).receipt_code
        found_any = 0
        for q in [*QUERIES, receipt, receipt.lower()]:
            expected = like_ids(consultation_id, q)
            assert indexed_ids(consultation, q) == expected, q
            found_any += bool(expected)
        assert found_any >= len(QUERIES) - 3  # the corpus does contain what is looked for


def test_short_and_long_queries_find_the_two_character_word(corpus):
    app, consultation_id, ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert set(indexed_ids(consultation, "申报")) == {ids[0], ids[1], ids[2], ids[12]}
        assert set(indexed_ids(consultation, "申")) == {ids[0], ids[1], ids[2], ids[12]}
        assert indexed_ids(consultation, "王") == [ids[2]]
        assert indexed_ids(consultation, "x") == like_ids(consultation_id, "x") and ids[13] in indexed_ids(consultation, "X")
        assert indexed_ids(consultation, "_") == [ids[5]]  # a wildcard is a character like any other
        assert set(indexed_ids(consultation, "%")) == {ids[4], ids[5]}
        assert indexed_ids(consultation, "申报", stance="oppose") == []


def test_index_follows_edits_deletes_and_bulk_statements(corpus):
    app, consultation_id, ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        comment = db.session.get(Comment, ids[3])
        comment.published_body = "修改后的文字:拨款"  # a staff edit through the ORM
        comment.organisation = None  # as the privacy purge removes it
        db.session.commit()
        assert indexed_ids(consultation, "拨款") == [ids[3]]
        assert indexed_ids(consultation, "西湖科技") == []
        assert indexed_ids(consultation, "资金") == [ids[3]]  # the body is kept
        db.session.execute(update(Comment).where(Comment.id == ids[0]).values(body="改为别的内容"))  # Core UPDATE
        db.session.execute(delete(Comment).where(Comment.id == ids[1]))
        db.session.commit()
        assert set(indexed_ids(consultation, "申报")) == {ids[2], ids[12]}
        assert indexed_ids(consultation, "别的") == [ids[0]]
        new = make_comment(body="新来的信函:申报材料", channel="letter")  # offline intake stores alike
        assert indexed_ids(consultation, "申报", channel="letter") == [new]
        assert indexed_ids(consultation, "信函") == [new]
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("INSERT INTO comment_search(comment_search) VALUES ('integrity-check')"))


def _plan(statement) -> str:
    bind = db.session.get_bind()
    compiled = statement.compile(bind, compile_kwargs={"literal_binds": True})
    if bind.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny test table would be scanned
    # ...or read by bitmap and sorted, whatever the indexes: a Sort then remains only where no
    # index gives the queue's order (enable_sort = off makes a sort costly, not impossible).
    db.session.execute(text("SET LOCAL enable_sort = off"))
    return "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("q", ["申", "申报", "申报条件"])
def test_search_reads_the_index(corpus, q):
    app, consultation_id, _ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        plan = _plan(queue_query(consultation, QueueFilters(q=q), joined=False).limit(51))
        if db.engine.dialect.name == "sqlite":
            assert "VIRTUAL TABLE" in plan and "SCAN comments" not in plan, plan
        else:
            assert "wf_search_candidates" in plan, plan  # whose one SELECT reads the GIN index (below)
        db.session.rollback()


def _grams_scans() -> tuple[int, int]:
    """(sequential scans of comment_search_grams, scans of its GIN index), as PostgreSQL counts them."""
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
    row = db.session.execute(text(
        "SELECT t.seq_scan, i.idx_scan FROM pg_stat_user_tables AS t JOIN pg_stat_user_indexes AS i"
        " ON i.relid = t.relid WHERE t.relname = 'comment_search_grams' AND i.indexrelname = 'ix_comment_search_grams'"
    )).one()
    return row[0], row[1]


def test_postgresql_candidates_always_come_from_the_gin_index(corpus):
    """For a common word the planner estimated a sequential scan of the grams table as cheap as the
    index, and ran ten times slower (100,000 comments); wf_search_candidates never scans it, even
    where the planner (here told that random reads are dear) would for the same SELECT."""
    app, consultation_id, _ids = corpus
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the grams table is PostgreSQL's")
        db.session.execute(text("SELECT pg_stat_force_next_flush()"))
        db.session.commit()
        before = _grams_scans()
        db.session.execute(text("SET LOCAL random_page_cost = 1000"))  # an index now looks dear
        table_plan = "\n".join(db.session.scalars(text(
            "EXPLAIN SELECT comment_id FROM comment_search_grams WHERE grams @> wf_query_grams('申报')")))
        assert "Seq Scan" in table_plan, table_plan  # what the function is there to prevent
        consultation = db.session.get(Consultation, consultation_id)
        found = list(db.session.scalars(queue_query(consultation, QueueFilters(q="申报"), joined=False)))
        assert found
        db.session.execute(text("SELECT pg_stat_force_next_flush()"))
        db.session.commit()
        seq_scans, index_scans = _grams_scans()
        assert seq_scans == before[0] and index_scans > before[1], (before, (seq_scans, index_scans))


FILTER_SETS = [
    {}, {"status": "pending"}, {"section": 1}, {"clause": 2}, {"clause": 0}, {"stance": "amend"},
    {"identity": "company"}, {"channel": "letter"}, {"decision": "decided"}, {"decision": "undecided"},
    {"decision": "adopted"}, {"since": "2026-01-01", "until": "2026-12-31"}, {"q": "申报"}, {"q": "申报条件"},
    {"status": "approved", "clause": 2, "stance": "amend"},
    {"status": "pending", "channel": "letter", "identity": "individual", "decision": "undecided", "q": "资金"},
    {"section": 1, "decision": "not_adopted", "since": "2026-01-01", "q": "申"},
    {"sort": "oldest", "status": "rejected", "stance": "oppose"},
    {"sort": "oldest", "q": "报"},
    {"cluster": 2}, {"cluster": 3, "status": "pending", "stance": "amend"},
]


def _statements(consultation, args):
    from werkzeug.datastructures import MultiDict

    from westlake_feedback.moderation import queue

    f = QueueFilters.from_args(MultiDict({k: str(v) for k, v in args.items()}))
    yield "page", queue.queue_query(consultation, f, joined=False).limit(51)
    captured = []
    real = db.session.execute
    db.session.execute = lambda statement, *a, **k: captured.append(statement) or real(statement, *a, **k)
    try:
        queue.status_counts(consultation, f)
    finally:
        del db.session.execute
    yield "counts", captured[-1]  # after the SET LOCAL of plan_cache_mode on PostgreSQL


@pytest.mark.parametrize("args", FILTER_SETS, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "none")
def test_every_filter_reads_an_index_in_queue_order(corpus, args):
    """No full scan of comments and no sort: the page reads along an index in the queue's order,
    and the capped counts along (consultation_id, status, ...)."""
    app, consultation_id, _ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        for name, statement in _statements(consultation, args):
            plan = _plan(statement)
            if db.engine.dialect.name == "sqlite":
                assert "SCAN comments" not in plan and "TEMP B-TREE FOR ORDER BY" not in plan, (name, plan)
            else:
                assert "Seq Scan on comments" not in plan, (name, plan)
                if name == "page":
                    assert "Sort" not in plan.split("->")[1], (name, plan)  # the Limit reads an ordered scan
            db.session.rollback()


@pytest.mark.parametrize("args", [{"sort": "cluster"}, {"sort": "cluster", "cluster": 2},
                                  {"sort": "cluster", "status": "pending", "stance": "amend"}])
def test_the_sort_by_cluster_size_reads_clusters_largest_first_then_each_ones_members(corpus, args):
    """Largest cluster first along comment_clusters (consultation_id, size, id), each cluster's
    members along (cluster_id, id): no full scan and no sort of the consultation's comments
    (PostgreSQL may sort within one cluster: an Incremental Sort, never a Sort of them all)."""
    from werkzeug.datastructures import MultiDict

    app, consultation_id, _ids = corpus
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        f = QueueFilters.from_args(MultiDict({k: str(v) for k, v in args.items()}))
        plan = _plan(queue_query(consultation, f, joined=False).limit(51))
        if db.engine.dialect.name == "sqlite":
            assert "SCAN comments" not in plan and "TEMP B-TREE" not in plan, plan
            assert "ix_comment_clusters_consultation_size" in plan and "ix_comments_cluster" in plan, plan
        else:
            assert "Seq Scan on comments" not in plan, plan
            assert "ix_comment_clusters_consultation_size_id" in plan, plan
            assert not plan.split("->")[1].strip().startswith("Sort"), plan
        db.session.rollback()


def test_counts_are_capped_and_pages_still_walk(corpus, login_as, monkeypatch):
    from westlake_feedback.moderation import queue

    app, _consultation_id, ids = corpus
    moderator = login_as("moderator")
    monkeypatch.setattr(queue, "COUNT_CAP", 4)
    monkeypatch.setattr(queue, "PER_PAGE", 3)
    html = moderator.get(f"/staff/c/{SLUG}/comments").get_data(as_text=True)
    assert "超过4条意见,第1页" in html and '<span class="count">4+</span>' in html
    assert "下一页" in html
    monkeypatch.setattr(queue, "SEARCH_COUNT_CAP", 2)
    html = moderator.get(f"/staff/c/{SLUG}/comments?q=申报").get_data(as_text=True)
    assert "超过2条意见" in html  # four comments match; counted up to three
    html = moderator.get(f"/staff/c/{SLUG}/comments?q=申报&page=2").get_data(as_text=True)
    assert "第2页" in html and "上一页" in html
    html = moderator.get(f"/staff/c/{SLUG}/comments?q=资金").get_data(as_text=True)
    assert "共1条意见" in html


def test_the_migration_indexes_comments_already_stored(tmp_path):
    """Upgrading a SQLite database that holds comments back-fills the FTS table."""
    import sqlite3

    from flask_migrate import upgrade

    from westlake_feedback import create_app

    path = tmp_path / "old.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision="20261202_flat_pages")
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO consultations (slug, title, notice_text, opens_at, closes_at, preamble, closing_text,"
            " is_demo, show_approved_comments, created_at, updated_at) VALUES ('old', 'T', '',"
            " '2023-03-14 16:00:00', '2023-03-22 16:00:00', '', '', 0, 1, '2023-03-01', '2023-03-01')")
        for code, body in (("XH-2222-2222", "早已提交的申报意见"), ("XH-3333-3333", "另一条")):
            connection.execute(
                "INSERT INTO comments (consultation_id, stance, body, identity_type, channel, receipt_code,"
                f" status, created_at) VALUES (1, 'amend', '{body}', 'individual', 'web', '{code}', 'pending',"
                " '2023-03-15 01:00:00')")
    with app.app_context():
        upgrade()
        consultation = db.session.get(Consultation, 1)
        assert len(indexed_ids(consultation, "申报")) == 1
        assert len(indexed_ids(consultation, "提交的申报")) == 1
        assert len(indexed_ids(consultation, "条")) == 1
        db.session.remove()
        db.engine.dispose()


def _search_triggers(path) -> set[str]:
    import sqlite3

    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    return {name for (name,) in rows if name.startswith("comments_search_")}


def test_later_migrations_keep_the_search_triggers(tmp_path):
    """A migration that rebuilt the comments table (batch mode on SQLite) would silently drop the
    FTS triggers: at the head, and after stepping the newest migration down and up, all three are
    there and a new comment is found."""
    from flask_migrate import downgrade, upgrade

    from westlake_feedback import create_app

    path = tmp_path / "head.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"})
    expected = {"comments_search_insert", "comments_search_delete", "comments_search_update"}
    with app.app_context():
        upgrade()
        db.engine.dispose()
        assert _search_triggers(path) == expected
        downgrade(revision="-1")
        db.engine.dispose()
        assert _search_triggers(path) == expected
        upgrade()
        db.engine.dispose()
    assert _search_triggers(path) == expected
