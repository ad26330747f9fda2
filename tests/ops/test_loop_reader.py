"""Reads on the event loop can neither write nor stall the worker (app/db/reads.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import RawQuery, execute, fetch_one, loop_reader, make_engine
from app.db.reads import LOOP_BUSY_TIMEOUT_MS, Busy
from tests.conftest import login
from tests.factories import make_user

pytestmark = pytest.mark.sqlite_only  # PostgreSQL has no loop reader: its reads use threads
LOCKED_S = 3.0


def _write(source: object) -> int:
    insert = RawQuery.of("INSERT INTO department (name, created_at) VALUES ('x', '2026-12-01')")
    return execute(source, insert, {})  # type: ignore[arg-type]


def test_a_write_through_the_loop_reader_raises(app: FastAPI, session: Session) -> None:
    reader = app.state.loop_reader
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.read(_write)
    assert fetch_one(app.state.engine, RawQuery.of("SELECT count(*) FROM department"), {}) == (0,)


def test_the_loop_readers_busy_timeout_is_at_most_50_ms(app: FastAPI) -> None:
    timeout = app.state.loop_reader.read(
        lambda source: fetch_one(source, RawQuery.of("PRAGMA busy_timeout"), {})[0]
    )
    only = app.state.loop_reader.read(
        lambda source: fetch_one(source, RawQuery.of("PRAGMA query_only"), {})[0]
    )
    assert 0 < timeout <= 50 == LOOP_BUSY_TIMEOUT_MS and only == 1


@contextmanager
def exclusive_lock(app: FastAPI, path: str) -> Iterator[threading.Event]:
    """Another connection holds the database exclusively for LOCKED_S seconds.

    In WAL mode only a connection in exclusive locking mode keeps readers out (as during
    recovery after a crash), and it can take that lock only while no other connection is
    open, so the app's connections are closed first: it meets the lock when it reconnects.
    """
    app.state.engine.dispose()
    app.state.loop_reader.dispose()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO department (name, created_at) VALUES ('held', '2026-12-01')")
    released = threading.Event()

    def release() -> None:
        time.sleep(LOCKED_S)
        holder.execute("ROLLBACK")
        holder.close()
        released.set()

    threading.Thread(target=release, daemon=True).start()
    try:
        yield released
    finally:
        released.wait(LOCKED_S + 5)


def test_healthz_answers_at_once_while_another_connection_holds_an_exclusive_lock(
    app: FastAPI, session: Session, db_url: str
) -> None:
    make_user(session)
    session.close()
    client = TestClient(app, follow_redirects=False)
    assert login(client, "ana@example.com").status_code == 303
    probe = TestClient(app)  # a health check carries no sign-in cookie
    assert probe.get("/healthz").json()["database"] == "ok"  # a worker that has been serving
    page: dict[str, object] = {}

    def read_a_page() -> None:
        started = time.monotonic()
        response = client.get("/modules/first-steps")
        page.update(
            status=response.status_code, text=response.text, took=time.monotonic() - started
        )

    with exclusive_lock(app, db_url.removeprefix("sqlite:///")) as released:
        reader = threading.Thread(target=read_a_page)
        reader.start()
        deadline = time.monotonic() + 2
        while app.state.loop_reader.off_until < time.monotonic() < deadline:
            time.sleep(0.01)  # until the page's first read has met the lock on the loop
        assert app.state.loop_reader.off_until > time.monotonic(), "the loop never met the lock"
        took = []
        for _ in range(5):
            started = time.monotonic()
            health = probe.get("/healthz")
            took.append(time.monotonic() - started)
            assert health.status_code == 200 and health.json()["database"] in ("busy", "ok")
        assert health.json()["database"] == "busy"
        assert max(took) < 0.1, f"/healthz took {max(took):.3f} s with the database locked"
        assert not released.is_set() and "status" not in page  # the page still waits
        reader.join(LOCKED_S + 10)
    assert page["status"] == 200 and "First steps" in str(page["text"])
    assert float(page["took"]) >= LOCKED_S - 0.5  # it waited for the lock (in a thread)
    assert probe.get("/healthz").json()["database"] in ("ok", "busy")


def test_a_busy_database_sends_loop_reads_to_the_thread_pool(db_url: str) -> None:
    engine = make_engine(db_url)
    reader = loop_reader(engine)
    assert reader is not None
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        result = reader.read(lambda source: fetch_one(source, RawQuery.of("SELECT 1"), {}))
        assert isinstance(result, Busy) and time.monotonic() - started < 0.2
        started = time.monotonic()
        assert isinstance(reader.read(lambda source: 1), Busy)  # kept off for a moment
        assert time.monotonic() - started < 0.01
    finally:
        holder.close()
        reader.dispose()
        engine.dispose()


def test_a_second_thread_reading_at_the_same_moment_goes_to_the_thread_pool(db_url: str) -> None:
    """A second event loop (a test client may run one per request) reading while the first
    is in a read is sent to the thread pool: two threads on sqlite3 connections of one pool
    at once can crash the process."""
    engine = make_engine(db_url)
    reader = loop_reader(engine)
    assert reader is not None
    one = RawQuery.of("SELECT 1")
    inside, leave = threading.Event(), threading.Event()

    def slow(source: object) -> object:
        inside.set()
        leave.wait(5)
        return fetch_one(source, one, {})  # type: ignore[arg-type]

    first: list[object] = []
    try:
        holder = threading.Thread(target=lambda: first.append(reader.read(slow)))
        holder.start()
        assert inside.wait(5)
        elsewhere: list[object] = []
        others = [
            threading.Thread(target=lambda: elsewhere.append(reader.read(lambda s: 1)))
            for _ in range(8)
        ]
        for thread in others:
            thread.start()
        for thread in others:
            thread.join()
        leave.set()
        holder.join(5)
        assert len(elsewhere) == 8 and all(isinstance(r, Busy) for r in elsewhere)
        assert first == [(1,)]
        assert reader.read(lambda source: fetch_one(source, one, {})) == (1,)  # free again
    finally:
        leave.set()
        reader.dispose()
        engine.dispose()


def test_the_kept_connection_sees_each_commit_and_recovers_after_a_failed_read(
    app: FastAPI,
) -> None:
    """The loop's connection stays open between reads: no read may see an old snapshot,
    and a read that failed on it must not spoil the next one."""
    reader = app.state.loop_reader
    count = RawQuery.of("SELECT count(*) FROM department")
    assert reader.read(lambda source: fetch_one(source, count, {})) == (0,)
    other = sqlite3.connect(app.state.settings.database_url.removeprefix("sqlite:///"))
    try:
        other.execute("INSERT INTO department (name, created_at) VALUES ('a', '2026-12-01')")
        other.commit()
        assert reader.read(lambda source: fetch_one(source, count, {})) == (1,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.read(_write)
        other.execute("INSERT INTO department (name, created_at) VALUES ('b', '2026-12-01')")
        other.commit()
        assert reader.read(lambda source: fetch_one(source, count, {})) == (2,)
    finally:
        other.close()
