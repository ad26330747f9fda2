"""SQLite settings on every pooled connection, BEGIN IMMEDIATE, no lost updates across processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import make_engine, writer

pytestmark = pytest.mark.sqlite_only


def test_every_pooled_connection_reports_the_documented_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    connections = [engine.connect() for _ in range(5)]  # five distinct pooled connections
    try:
        for conn in connections:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        for conn in connections:
            conn.close()
        engine.dispose()


def test_write_transactions_begin_immediate_and_take_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    with writer(engine).connect() as conn, conn.begin():
        conn.execute(text("SELECT 1"))  # a read only: but the write lock is already held
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    engine.dispose()


def _increment(url: str, times: int) -> None:
    engine = make_engine(url)
    for _ in range(times):
        with writer(engine).connect() as conn, conn.begin():
            value = conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
            conn.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": value + 1})
    engine.dispose()


def test_read_modify_write_from_several_processes_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rmw.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    processes, times = 4, 100
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_increment, args=(url, times)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == processes * times
    engine.dispose()
