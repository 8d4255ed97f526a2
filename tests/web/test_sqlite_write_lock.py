"""SQLite writers take the file's advisory write lock (westlake_feedback/sqlite_writes.py) at their
first write and give it back when the transaction ends, so writers in other processes wait in the
kernel instead of SQLite's sleeping busy handler. Another process holds the lock here with
`flock` on `<database>-writelock`, as a second gunicorn worker would."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from westlake_feedback.extensions import db
from westlake_feedback.sqlite_writes import SerialWriteConnection, lock_for

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def sqlite_app(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    return app


def _lock_path(app) -> str:
    with app.app_context():
        return db.engine.url.database + "-writelock"


def _lock_is_free(path: str) -> bool:
    """Whether another open file description could take the lock now (flock locks belong to an
    open file, so this conflicts with the app's own descriptor as another process would)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock if it was taken
    return True


def test_app_connections_are_serial_writers(sqlite_app):
    with sqlite_app.app_context():
        with db.engine.connect() as connection:
            assert isinstance(connection.connection.dbapi_connection, SerialWriteConnection)
            assert lock_for(db.engine.url.database) is not None


def test_the_lock_is_held_from_the_first_write_to_the_commit(sqlite_app):
    path = _lock_path(sqlite_app)
    with sqlite_app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM comments"))
            assert _lock_is_free(path), "a read takes no lock"
            connection.execute(text("UPDATE consultations SET updated_at = updated_at WHERE id = -1"))
            assert not _lock_is_free(path), "a write holds it"
            connection.commit()
            assert _lock_is_free(path), "the commit gives it back"
            connection.execute(text("UPDATE consultations SET updated_at = updated_at WHERE id = -1"))
            connection.rollback()
            assert _lock_is_free(path), "so does a rollback"
            with pytest.raises(Exception):
                connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
            connection.rollback()
            assert _lock_is_free(path), "and a failed write"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("UPDATE consultations SET updated_at = updated_at WHERE id = -1"))
            assert _lock_is_free(path), "a write in autocommit mode holds it for itself only"


def test_a_writer_waits_for_another_process_holding_the_lock(sqlite_app, seeded):
    path = _lock_path(sqlite_app)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        done = threading.Event()

        def write() -> None:
            with sqlite_app.app_context():
                db.session.execute(text("UPDATE consultations SET updated_at = updated_at"))
                db.session.commit()
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.5), "the write went ahead while another process held the lock"
        holder.stdin.write("\n")
        holder.stdin.flush()
        writer.join(10)
        assert done.is_set(), "the write did not go ahead once the lock was released"
    finally:
        holder.kill()
        holder.wait()
    assert _lock_is_free(path)
