"""Database engine factory and the request-scoped session dependency.

SQLite gets WAL, a busy timeout, foreign keys and synchronous=FULL on every pooled
connection; write transactions start with BEGIN IMMEDIATE so concurrent
read-modify-write across processes waits instead of losing updates or failing.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import SingletonThreadPool
from sqlmodel import Session, create_engine

Result = TypeVar("Result")

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
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, install the pragma and BEGIN IMMEDIATE hooks."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
    _install_sqlite_hooks(engine)
    return engine


def _install_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so our "begin" hook decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for name, value in SQLITE_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}={value}")
        cursor.close()


def loop_reader(engine: Engine) -> Engine | None:
    """For a SQLite file, an engine whose one connection serves reads made on the event loop.

    Only app.deps' sign-in lookup uses it: one indexed SELECT of one row, which in WAL mode
    never waits for a writer. Its own connection (not one from the shared pool) means the
    event loop can never block waiting for a pooled connection that a request holds.
    None for PostgreSQL and in-memory SQLite: those reads go through the thread pool.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    reader = create_engine(
        engine.url, poolclass=SingletonThreadPool, connect_args={"check_same_thread": False}
    )
    _install_pragmas(reader)
    return reader


def _install_sqlite_hooks(engine: Engine) -> None:
    _install_pragmas(engine)

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
    """On SQLite, run sync routes on at most SQLITE_THREADS threads (call it in the event loop).

    A sync route's work on SQLite is CPU under the GIL, so anyio's default of 40 threads
    only adds contention: at 32 connections 6 threads served 496 signed-in lesson pages a
    second, 2 threads 774 and 1 thread 857 (bench/NOTES.md). Two, not one, so that a request
    waiting for another process's write lock never holds up every page of this worker.
    PostgreSQL keeps the default; its threads mostly wait on the network.
    """
    if engine.dialect.name == "sqlite":
        anyio.to_thread.current_default_thread_limiter().total_tokens = SQLITE_THREADS


def writer(engine: Engine) -> Engine:
    """The same engine, but each transaction takes the write lock up front (SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for commands and jobs that write."""
    with Session(writer(engine), expire_on_commit=False) as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; unsafe methods begin their transactions IMMEDIATE.

    `async` on purpose: creating a Session does no I/O (it connects on first use, in the
    route's worker thread) and closing one only hands the connection back to the pool, so
    running both on the event loop saves two thread-pool hops per request (measured in
    bench/NOTES.md).
    """
    engine: Engine = request.app.state.engine
    bind = engine if request.method in SAFE_METHODS else writer(engine)
    with Session(bind, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@contextmanager
def session_for(url: str) -> Iterator[Session]:
    """A write session on a short-lived engine that is disposed on exit (commands, jobs, tests)."""
    engine = make_engine(url)
    try:
        with write_session(engine) as session:
            yield session
    finally:
        engine.dispose()
