"""A busy worker on PostgreSQL reuses its pooled connections (app/db/engine.py).

With ten kept and twenty "overflow" connections, every request beyond the tenth in flight
opened a new connection (a forked server process) and closed it when done: a two-worker
server at 32 connections opened about 70 a second and served half the pages it does now.
"""

from __future__ import annotations

import anyio
import pytest
from starlette.concurrency import run_in_threadpool

from app.db import RawQuery, fetch_one, limit_threads, make_engine
from app.db.reads import read_on
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="the pool of a PostgreSQL engine")

POOL = 4
READS_AT_ONCE = 16
_BACKEND = RawQuery.of("SELECT pg_backend_pid()")


def _backend_pid(source: object) -> int:
    row = fetch_one(source, _BACKEND, {})  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def test_many_reads_at_once_use_only_the_connections_the_pool_keeps(db_url: str) -> None:
    engine = make_engine(db_url, pool_size=POOL)
    seen: set[int] = set()

    async def main() -> None:
        limit_threads(engine)
        assert anyio.to_thread.current_default_thread_limiter().total_tokens == POOL

        async def one() -> None:
            seen.add(await run_in_threadpool(read_on, engine, _backend_pid))

        for _ in range(10):  # rounds of more reads at once than the pool keeps
            async with anyio.create_task_group() as tasks:
                for _ in range(READS_AT_ONCE):
                    tasks.start_soon(one)

    try:
        anyio.run(main)
    finally:
        engine.dispose()
    assert 1 <= len(seen) <= POOL, f"{len(seen)} server processes for a pool of {POOL}"


def test_the_pool_size_is_a_setting(db_url: str) -> None:
    from app.config import Settings

    assert Settings(database_url=db_url).database_pool_size == 20
    engine = make_engine(db_url, pool_size=Settings(database_pool_size=7).database_pool_size)
    try:
        assert engine.pool.size() == 7  # type: ignore[attr-defined]
    finally:
        engine.dispose()
