"""Fast database state for the test fixtures.

Every test starts on an empty database (all tables emptied after each test). Fixtures that build
the same rows over and over (the seed, the staff accounts) build them for real once per session;
their rows are recorded and later written back with a few bulk INSERTs instead of re-running the
import. Timestamps that were "now" (or near it) when the rows were recorded are moved forward by
the time elapsed since, so restored rows look as if they had just been made.

A recording is only replayed when that is exactly equivalent to building the rows again:
- the recording was made on an unchanged database (the builder only added rows),
- no table the recording writes to that has a unique constraint holds rows yet (otherwise the real
  builder decides what happens, e.g. import_draft updating a consultation by slug),
- the clock is not being moved by time_machine (a builder may decide things from the time).
Tables that already hold rows get the recorded ids shifted past theirs, foreign keys alike.
tests/test_fixtures.py checks that replaying equals building.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

# Recorded timestamps within this distance of the recording time count as "made from now".
NEAR_NOW = timedelta(days=40)


def _tables():
    from westlake_feedback.extensions import db

    return db.metadata.sorted_tables


def clock_is_moved() -> bool:
    try:
        import time_machine
    except ImportError:  # pragma: no cover - time-machine is a test dependency
        return False
    return bool(getattr(time_machine, "coordinates_stack", None))


def empty_all(connection) -> None:
    """DELETE every row of every table (children first), in one round trip on PostgreSQL."""
    tables = list(reversed(_tables()))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in tables))
    else:
        for table in tables:
            connection.execute(table.delete())


def capture(connection) -> dict[str, list[dict]]:
    """Every row of every non-empty table, by table name."""
    rows = {}
    for table in _tables():
        order = list(table.primary_key.columns) or list(table.columns)
        found = [dict(row._mapping) for row in connection.execute(select(table).order_by(*order))]
        if found:
            rows[table.name] = found
    return rows


def _pk_column(table):
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 and columns[0].type.python_type is int else None


def _has_unique(table) -> bool:
    from sqlalchemy import UniqueConstraint

    return any(isinstance(c, UniqueConstraint) for c in table.constraints) or any(
        index.unique for index in table.indexes
    ) or any(column.unique for column in table.columns)


@dataclass
class Recording:
    rows: dict[str, list[dict]]
    taken_at: datetime  # aware UTC
    sequences: dict[str, int] = field(default_factory=dict)

    @classmethod
    def diff(cls, before: dict, after: dict, taken_at: datetime) -> Recording | None:
        """The rows `after` has that `before` had not; None when a row of `before` changed or went."""
        added: dict[str, list[dict]] = {}
        tables = {table.name: table for table in _tables()}
        for name, rows in after.items():
            pk = _pk_column(tables[name])
            if pk is None:
                if before.get(name):
                    return None
                added[name] = rows
                continue
            old = {row[pk.name]: row for row in before.get(name, [])}
            new_rows = []
            for row in rows:
                key = row[pk.name]
                if key in old:
                    if old.pop(key) != row:
                        return None
                else:
                    new_rows.append(row)
            if old:
                return None
            if new_rows:
                added[name] = new_rows
        if any(name not in after for name in before):
            return None
        return cls(added, taken_at)

    def can_replay(self, connection) -> bool:
        if clock_is_moved():
            return False
        tables = {table.name: table for table in _tables()}
        for name in self.rows:
            table = tables[name]
            if (_has_unique(table) or _pk_column(table) is None) and connection.scalar(
                select(func.count()).select_from(table)
            ):
                return False
        return True

    def replay(self, connection) -> None:
        from westlake_feedback.timeutil import now_utc

        shift = now_utc().replace(microsecond=0) - self.taken_at
        tables = {table.name: table for table in _tables()}
        offsets: dict[str, int] = {}
        for name in self.rows:
            pk = _pk_column(tables[name])
            if pk is not None:
                offsets[name] = connection.scalar(select(func.coalesce(func.max(pk), 0)).select_from(tables[name]))
        restored_max: dict[str, int] = {}
        for table in _tables():
            rows = self.rows.get(table.name)
            if not rows:
                continue
            pk = _pk_column(table)
            remap = {}
            for column in table.columns:
                for fk in column.foreign_keys:
                    target = fk.column.table.name
                    if offsets.get(target):
                        remap[column.name] = offsets[target]
            if pk is not None and offsets.get(table.name):
                remap[pk.name] = offsets[table.name]
            out = []
            for row in rows:
                row = {key: _shifted(value, self.taken_at, shift) for key, value in row.items()}
                for key, offset in remap.items():
                    if row.get(key) is not None:
                        row[key] += offset
                out.append(row)
            connection.execute(table.insert(), out)
            if pk is not None:
                restored_max[table.name] = (pk.name, max(row[pk.name] for row in out))
        if connection.dialect.name == "postgresql" and restored_max:
            calls = ", ".join(
                f"setval(pg_get_serial_sequence('\"{name}\"', '{column}'), {value})"
                for name, (column, value) in restored_max.items()
            )
            connection.execute(text(f"SELECT {calls}"))


def _shifted(value, taken_at: datetime, shift: timedelta):
    if isinstance(value, datetime) and value.tzinfo is not None and abs(value - taken_at) <= NEAR_NOW:
        return value + shift
    return value


class RowCache:
    """Recordings of fixture builders on one test database (by URL)."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.recordings: dict[str, Recording | None] = {}
        self.stats = {"replayed": 0, "built": 0}

    def applies_to(self, app) -> bool:
        return app.config["SQLALCHEMY_DATABASE_URI"] == self.database_url

    def build(self, name: str, app, builder) -> None:
        """Run builder() (in app's context) or replay its recorded rows; see the module docstring."""
        import time_machine

        from westlake_feedback.extensions import db
        from westlake_feedback.timeutil import now_utc

        with app.app_context():
            db.session.remove()
            recording = self.recordings.get(name)
            if recording is not None:
                with db.engine.begin() as connection:
                    if recording.can_replay(connection):
                        recording.replay(connection)
                        self.stats["replayed"] += 1
                        return
            if name in self.recordings or clock_is_moved():
                self.stats["built"] += 1
                builder()
                return
            with db.engine.connect() as connection:
                before = capture(connection)
            taken_at = now_utc().replace(microsecond=0)
            with time_machine.travel(taken_at, tick=False):  # "now" is one instant for every row
                builder()
            db.session.remove()
            with db.engine.connect() as connection:
                self.recordings[name] = Recording.diff(before, capture(connection), taken_at)
            self.stats["built"] += 1
