"""The engine and its pragmas, write transactions, and sessions for commands and jobs.

SQLite gets WAL, a busy timeout, foreign keys and synchronous=FULL on every pooled
connection; write transactions start with BEGIN IMMEDIATE so concurrent
read-modify-write across processes waits instead of losing updates or failing. Every
connection reports its statements to app.db.trace.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from app.db import trace

SQLITE_PRAGMAS = {
    "journal_mode": "WAL",
    "busy_timeout": "15000",
    "foreign_keys": "ON",
    "synchronous": "FULL",
}
WRITE_OPTION = "allyship_write"
QUEUED = "allyship_write_queued"
QUEUE_TIMEOUT_S = 15
SQLITE_THREADS = 2
POOL_SIZE = 20


def make_engine(url: str, pool_size: int = POOL_SIZE) -> Engine:
    """Create an engine; for SQLite, install the pragma and BEGIN IMMEDIATE hooks.

    On PostgreSQL the pool keeps `pool_size` connections open, enough for a busy worker's
    requests in flight: connections beyond it ("overflow", at most as many again, so that a
    path holding one connection while it asks for another never waits on itself) are closed
    as soon as they come back. With 10 kept, a busy worker opened a new connection, a forked
    server process, for a large share of its requests (bench/NOTES.md).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kept, overflow = pool_limits(pool_size)
        engine = create_engine(url, pool_pre_ping=True, pool_size=kept, max_overflow=overflow)
        event.listen(engine, "connect", _trace_connection)
        return engine
    # No directory is made for the file here: only `allyship db upgrade` makes one (app/db/migrate.py).
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
    _install_sqlite_hooks(engine)
    return engine


def pool_limits(pool_size: int) -> tuple[int, int]:
    """(kept, overflow): the connections one worker's PostgreSQL pool keeps and may add."""
    return pool_size, pool_size


def is_sqlite_file(engine: Engine) -> bool:
    """A SQLite database in a file (not in memory): one writer at a time, readers never wait."""
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


@contextmanager
def brief_busy_wait(connection: Connection, wait_ms: int) -> Iterator[None]:
    """On SQLite, wait at most `wait_ms` for the one writer on this connection meanwhile
    (a request that must not queue behind a long write); nothing on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout = {wait_ms}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")


def _trace_connection(dbapi_connection: Any, _record: Any) -> None:
    trace.install(dbapi_connection)


def install_pragmas(engine: Engine, **overrides: str) -> None:
    """Our pragmas (with `overrides`) on every new connection of a SQLite engine."""
    pragmas = SQLITE_PRAGMAS | overrides

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so our "begin" hook decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}={value}")
        cursor.close()
        trace.install(dbapi_connection)


def _install_sqlite_hooks(engine: Engine) -> None:
    install_pragmas(engine)

    # Writers of this process queue on a Python lock before BEGIN IMMEDIATE. SQLite's busy
    # handler waits in sleeps of up to 100 ms, so under load the write lock sat idle between
    # a commit and the next writer's wake-up; a queue hands it over at once (bench/NOTES.md).
    # Other processes still meet at SQLite's lock; the timeout falls back to it, never deadlocks.
    write_queue = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        if not options.get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        if write_queue.acquire(timeout=QUEUE_TIMEOUT_S):
            conn.info[QUEUED] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _leave_queue(conn)
            raise

    def _leave_queue(conn: Any) -> None:
        if conn.info.pop(QUEUED, False):
            write_queue.release()

    event.listen(engine, "commit", _leave_queue)
    event.listen(engine, "rollback", _leave_queue)


def limit_threads(engine: Engine) -> None:
    """Cap the threads that run sync routes (call it in the event loop).

    SQLite: SQLITE_THREADS. A sync route's work on SQLite is CPU under the GIL, so anyio's
    default of 40 threads only adds contention: at 32 connections 6 threads served 496
    signed-in lesson pages a second, 2 threads 774 and 1 thread 857 (bench/NOTES.md). Two,
    not one, so that a request waiting for another process's write lock never holds up every
    page of this worker.

    PostgreSQL: the connections the pool keeps, so that routes alone never need one more
    and the pool never opens and closes them under load (see `make_engine`).
    """
    limiter = anyio.to_thread.current_default_thread_limiter()
    if engine.dialect.name == "sqlite":
        limiter.total_tokens = SQLITE_THREADS
    elif isinstance(engine.pool, QueuePool):
        limiter.total_tokens = engine.pool.size()


def writer(engine: Engine) -> Engine:
    """The same engine, but each transaction takes the write lock up front (SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for commands and jobs that write."""
    with Session(writer(engine), expire_on_commit=False) as session:
        yield session


@contextmanager
def session_for(url: str) -> Iterator[Session]:
    """A write session on a short-lived engine that is disposed on exit (commands, jobs, tests)."""
    engine = make_engine(url)
    try:
        with write_session(engine) as session:
            yield session
    finally:
        engine.dispose()
