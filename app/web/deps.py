"""Request dependencies that know no feature: settings, the loaded catalog, reads on the loop.

Who is signed in and role checks are app/auth/deps.py's.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
thread pool, and each such hop costs more than the dependency itself (bench/NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.content.catalog import Catalog
from app.rawsql import held

Result = TypeVar("Result")
SESSION_COOKIE = "allyship_session"
SECURE_SESSION_COOKIE = "__Host-allyship_session"


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


async def run_read(request: Request, read: Callable[..., Result], *args: Any) -> Result:
    """Run `read(source, *args)`, reads only: on the event loop for SQLite, else in a thread.

    On a SQLite file the read goes through the worker's own event-loop connection
    (app.db.loop_reader): in WAL mode a read never waits for writers, and a few indexed
    SELECTs cost less than the thread-pool hop that would carry them (bench/NOTES.md).
    PostgreSQL's reads cross the network, so they keep to the thread pool. `read` must only
    read: a write on the loop could wait for a lock with the whole worker stopped.
    """
    reader: Engine | None = request.app.state.loop_reader
    if reader is not None:
        return _read_on(reader, read, *args)
    return await run_in_threadpool(_read_on, request.app.state.engine, read, *args)


def _read_on(engine: Engine, read: Callable[..., Result], *args: Any) -> Result:
    with held(engine) as source:
        return read(source, *args)
