"""Reads for `async` routes: on the worker's own read-only connection, else in the thread pool.

On a SQLite file a few indexed SELECTs cost less than the thread-pool hop that would carry
them (bench/NOTES.md), so they run on the event loop through a connection of the worker's
own (`LoopReader`): no thread shares it, so the loop never waits for the pool. That
connection can never stall the worker or write: it is `PRAGMA query_only`, and its busy
timeout is 50 ms. When the database is busy anyway (a checkpoint, recovery after a crash,
another process's exclusive lock), the read goes to the thread pool, where it may wait with
the usual timeout, and the loop keeps away from the database for a moment. PostgreSQL's
reads cross the network, so they always go to the thread pool.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import SingletonThreadPool
from starlette.concurrency import run_in_threadpool

from app.db.engine import install_pragmas, is_sqlite_file
from app.db.raw import Held, RawQuery, Source, fetch_one, held

Result = TypeVar("Result")
LOOP_BUSY_TIMEOUT_MS = 50
KEEP_OFF_S = 1.0  # after a busy answer, the loop's reads go to the thread pool this long
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class LoopReader:
    """The worker's one connection for reads made on the event loop (SQLite files only)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = create_engine(
            engine.url,
            poolclass=SingletonThreadPool,
            connect_args={"check_same_thread": False, "timeout": LOOP_BUSY_TIMEOUT_MS / 1000},
        )
        install_pragmas(self.engine, busy_timeout=str(LOOP_BUSY_TIMEOUT_MS), query_only="ON")
        self.off_until = 0.0
        # One read at a time. The worker's event loop is the only reader in production, so
        # this never waits there; a second event loop reading at the same moment (a test
        # client runs one per request) goes to the thread pool instead. Two threads at once
        # on the pool's connections, or one closed by the pool's clean-up while another
        # thread uses it, can crash the process (sqlite3 is not safe for that).
        self._in_use = threading.Lock()
        # The connection stays checked out for the worker's life: a checkout and return
        # through the pool (with its rollback) on every read cost more than the SELECT.
        self._held: Held | None = None

    def read(self, read: Callable[..., Result], *args: Any) -> Result | Busy:
        """`read(source, *args)` on the loop's connection, or BUSY when the database is busy
        (or another thread is reading through it at this moment)."""
        if time.monotonic() < self.off_until or not self._in_use.acquire(blocking=False):
            return BUSY
        try:
            return read(self._connection(), *args)
        except (sqlite3.OperationalError, OperationalError) as exc:
            self._drop()  # a fresh connection for the next read, whatever went wrong
            if not _is_busy(exc):
                raise
            self.off_until = time.monotonic() + KEEP_OFF_S
            return BUSY
        except BaseException:
            self._drop()
            raise
        finally:
            self._in_use.release()

    def _connection(self) -> Held:
        if self._held is None:
            self._held = Held(self.engine.raw_connection(), self.engine.dialect)
        return self._held

    def _drop(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.connection.close()  # back to the pool, which rolls back and may close it

    def dispose(self) -> None:
        with self._in_use:
            self._drop()
        self.engine.dispose()


class Busy:
    """What LoopReader.read gives when the read must go to the thread pool instead."""


BUSY = Busy()


def _is_busy(exc: Exception) -> bool:
    error = getattr(exc, "orig", None) or exc
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _BUSY_CODES


def loop_reader(engine: Engine) -> LoopReader | None:
    """A reader for the event loop on a SQLite file; None for PostgreSQL and in-memory SQLite."""
    return LoopReader(engine) if is_sqlite_file(engine) else None


def read_on(engine: Engine, read: Callable[..., Result], *args: Any) -> Result:
    """`read(source, *args)` with one connection of `engine` held for all its statements."""
    with held(engine) as source:
        return read(source, *args)


_SELECT_ONE = RawQuery.of("SELECT 1")


def _select_one(source: Source) -> None:
    fetch_one(source, _SELECT_ONE, {})


async def database_state(request: Request) -> str:
    """ "ok", or "busy" when the loop's reader finds the database locked; raises if unreachable.

    For /healthz: it must answer at once, so on a SQLite file it asks only the loop's
    reader (50 ms at most), never a thread that could wait out another process's lock.
    """
    reader: LoopReader | None = request.app.state.loop_reader
    if reader is not None:
        return "busy" if isinstance(reader.read(_select_one), Busy) else "ok"
    await run_in_threadpool(read_on, request.app.state.engine, _select_one)
    return "ok"


async def run_read(request: Request, read: Callable[..., Result], *args: Any) -> Result:
    """Run `read(source, *args)`, reads only: on the loop's reader if it can, else in a thread."""
    reader: LoopReader | None = request.app.state.loop_reader
    if reader is not None:
        result = reader.read(read, *args)
        if not isinstance(result, Busy):
            return result
    return await run_in_threadpool(read_on, request.app.state.engine, read, *args)
