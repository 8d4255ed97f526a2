"""The fast fixtures (tests/dbstate.py) give exactly what the slow way gives, and nothing leaks
from one test into the next."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import helpers
from dbstate import capture
from helpers import STAFF_EMAILS, create_staff, login, seed
from westlake_feedback.extensions import db

RANDOM_COLUMNS = {"users": {"password_hash", "session_token"}}  # new random values on every build


def normalised(app) -> dict[str, list[tuple]]:
    """Every row, sorted, with ids (and references to them: foreign keys, the audit log's
    target_id) as ranks within their table, since the ids themselves depend on sequences."""
    from westlake_feedback.extensions import db

    tables = {table.name: table for table in db.metadata.sorted_tables}
    with app.app_context(), db.engine.connect() as connection:
        rows = capture(connection)
    ranks = {name: {row["id"]: rank for rank, row in enumerate(sorted(found, key=lambda r: r["id"]))}
             for name, found in rows.items() if "id" in tables[name].columns}

    def value(name, row, key):
        column = tables[name].columns[key]
        if key == "id":
            return ranks[name][row[key]]
        for fk in column.foreign_keys:
            return ranks.get(fk.column.table.name, {}).get(row[key], row[key])
        if name == "audit_entries" and key == "target_id" and row.get("target_type") in ranks \
                and str(row[key]).isdigit():
            return ranks[row["target_type"]].get(int(row[key]), row[key])
        return row[key]

    return {
        name: sorted((tuple((key, value(name, row, key)) for key in row if key not in RANDOM_COLUMNS.get(name, ()))
                      for row in found), key=repr_sans_time)
        for name, found in rows.items()
    }


def repr_sans_time(row: tuple) -> str:
    return repr([(key, value) for key, value in row if not hasattr(value, "tzinfo")])


# The page cache's content version starts at a random value whenever its row is (re)created, so
# that no page cached before can match again (westlake_feedback/pagecache/version.py).
RANDOM_BY_DESIGN = {("content_versions", "version")}


def assert_same(built: dict, replayed: dict) -> None:
    assert built.keys() == replayed.keys()
    for name in built:
        assert len(built[name]) == len(replayed[name]), name
        for one, other in zip(built[name], replayed[name]):
            assert [key for key, _ in one] == [key for key, _ in other]
            for (key, value), (_, value2) in zip(one, other):
                if hasattr(value, "tzinfo") and value is not None and value2 is not None:
                    assert abs(value - value2) < timedelta(minutes=5), (name, key, value, value2)
                elif (name, key) not in RANDOM_BY_DESIGN:
                    assert value == value2, (name, key)


def empty(app) -> None:
    from dbstate import empty_all

    with app.app_context(), db.engine.begin() as connection:
        empty_all(connection)


def build_for_real(monkeypatch, app, builder) -> dict:
    with monkeypatch.context() as patch:
        patch.setattr(helpers, "ROW_CACHE", None)
        builder(app)
    return normalised(app)


def replay(app, builder) -> dict:
    builder(app)  # records (if not yet recorded this session)
    empty(app)
    before = helpers.ROW_CACHE.stats["replayed"]
    builder(app)
    assert helpers.ROW_CACHE.stats["replayed"] == before + 1, "the rows were built, not replayed"
    return normalised(app)


@pytest.mark.parametrize("builder", [seed, create_staff], ids=["seed", "staff"])
def test_replayed_rows_equal_built_rows(app, monkeypatch, builder):
    built = build_for_real(monkeypatch, app, builder)
    assert built, "the builder wrote nothing"
    empty(app)
    assert_same(built, replay(app, builder))


def test_replayed_rows_after_other_rows_get_fresh_ids_and_working_links(app, monkeypatch):
    from westlake_feedback.audit.services import record

    def before_staff(app):
        with app.app_context():
            record("user_change", summary="an entry before the staff accounts", actor_email="cli")
            db.session.commit()

    def staff_after_entry(app):
        before_staff(app)
        create_staff(app)

    built = build_for_real(monkeypatch, app, staff_after_entry)
    empty(app)
    create_staff(app)  # make sure it is recorded
    empty(app)
    before_staff(app)
    replayed_before = helpers.ROW_CACHE.stats["replayed"]
    create_staff(app)
    assert helpers.ROW_CACHE.stats["replayed"] == replayed_before + 1
    assert_same(built, normalised(app))
    for role in STAFF_EMAILS:  # the replayed accounts sign in
        assert login(app.test_client(), STAFF_EMAILS[role]).status_code == 302


def test_rows_recorded_an_hour_ago_replay_as_made_now(app):
    """Times that were "now" at recording move with the clock; the seed's 2023 dates stay."""
    from dataclasses import replace

    from dbstate import NEAR_NOW, Recording
    from westlake_feedback.consultations.services import consultation_by_slug, demo_window, import_draft

    seed(app)  # recorded (or replayed) now
    empty(app)
    recording: Recording = helpers.ROW_CACHE.recordings["seed"]
    hour = timedelta(hours=1)
    aged = replace(recording, taken_at=recording.taken_at - hour, rows={
        name: [{key: value - hour if hasattr(value, "tzinfo") and value is not None
                and abs(value - recording.taken_at) <= NEAR_NOW else value for key, value in row.items()}
               for row in rows]
        for name, rows in recording.rows.items()
    })
    with app.app_context():
        with db.engine.begin() as connection:
            aged.replay(connection)
        demo = db.session.scalar(consultation_by_slug("xihu-2023-demo"))
        xihu = db.session.scalar(consultation_by_slug("xihu-2023"))
        opens, closes = demo_window()
        assert abs(demo.opens_at - opens) <= timedelta(seconds=2)
        assert abs(demo.closes_at - closes) <= timedelta(seconds=2)
        assert abs(demo.created_at - opens) <= timedelta(seconds=2)
        assert (xihu.opens_at.year, xihu.closes_at.year) == (2023, 2023)
        fresh = import_draft(helpers.seed_draft(), slug="fresh", is_demo=False, commit=False).consultation
        assert (xihu.opens_at, xihu.closes_at) == (fresh.opens_at, fresh.closes_at)
        db.session.rollback()


def test_a_clock_moved_by_time_machine_builds_for_real(app):
    import time_machine

    from helpers import local

    built = helpers.ROW_CACHE.stats["built"]
    with time_machine.travel(local("2023-03-10 09:00"), tick=False):
        seed(app)
    assert helpers.ROW_CACHE.stats["built"] == built + 1


# The next two run in this order (the suite is not shuffled): rows and config changes of the first
# must be gone in the second.

def test_leak_write_rows_and_change_config(seeded, staff, app):
    from helpers import comment_on, make_comment

    with app.app_context():
        comment_on("xihu-2023-demo", 1)
        make_comment()
    app.config["COMMENTS_PER_PAGE"] = 3


def test_leak_nothing_is_left(app):
    tables = db.metadata.sorted_tables
    with app.app_context():
        assert {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in tables} == {
            table.name: 0 for table in tables
        }
    assert app.config["COMMENTS_PER_PAGE"] == 20
