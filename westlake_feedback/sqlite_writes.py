"""One writer at a time on an SQLite file, handed over without sleeping.

SQLite allows one write transaction at a time. A connection that finds the write lock taken waits
in SQLite's busy handler, which polls with growing sleeps (1, 2, 5, 10, ... up to 100 ms between
tries). Under concurrent comment POSTs from several gunicorn processes and threads, the lock was
mostly free while the waiters slept: 72 comments/s with a p99 of 1.3 s on two cores, while one
comment costs about 11 ms of CPU.

Every connection to the same file therefore takes an advisory lock first: a process-wide
re-entrant lock for the threads of one process, then `flock` on `<database>-writelock` for the
processes (web workers, the worker, CLI commands). The kernel wakes the next waiter the moment
the lock is released, so writers follow one another with no gap. The lock is taken just before
a transaction's first write statement (pysqlite opens the transaction there; reads before it run
outside any transaction, so no snapshot goes stale while waiting) and released when the
transaction commits or rolls back. A killed process drops its `flock` with its file descriptors.
SQLite's own locking stays in force underneath: this lock only orders the writers, it is not
what keeps the data correct.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class FileWriteLock:
    """Re-entrant across the threads of a process, exclusive across processes (`flock`)."""

    def __init__(self, path: str):
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        self._threads.release()


_locks: dict[str, FileWriteLock] = {}
_locks_guard = threading.Lock()


def lock_for(database: str) -> FileWriteLock | None:
    """The lock shared by every connection of this process to `database` (None for memory)."""
    path = database.removeprefix("file:").split("?", 1)[0]
    if not path or path == ":memory:" or "mode=memory" in database:
        return None
    path = os.path.realpath(path)
    with _locks_guard:
        if path not in _locks:
            _locks[path] = FileWriteLock(path + "-writelock")
        return _locks[path]


class SerialWriteConnection(sqlite3.Connection):
    """A pysqlite connection that holds its file's write lock from its first write to the end of
    the transaction (commit, rollback or close)."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.write_lock = lock_for(os.fsdecode(database))
        self.holds_write_lock = False

    def take_write_lock(self) -> None:
        if self.write_lock is not None and not self.holds_write_lock:
            self.write_lock.acquire()
            self.holds_write_lock = True

    def _drop_write_lock(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._drop_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._drop_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._drop_write_lock()


def before_write(dbapi_connection, statement: str) -> None:
    """Called before every statement (an engine event): takes the lock before a write."""
    if isinstance(dbapi_connection, SerialWriteConnection) and not dbapi_connection.holds_write_lock:
        if statement.lstrip()[:7].upper().startswith(WRITE_STATEMENTS):
            dbapi_connection.take_write_lock()


def after_statement(dbapi_connection) -> None:
    """After a statement ran or failed: a write outside a transaction (autocommit mode, or a
    failed first write) is over, so its lock goes."""
    if isinstance(dbapi_connection, SerialWriteConnection) and dbapi_connection.holds_write_lock:
        if not dbapi_connection.in_transaction:
            dbapi_connection._drop_write_lock()
