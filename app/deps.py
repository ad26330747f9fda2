"""Request dependencies: the signed-in user, role checks, the loaded catalog.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
thread pool, and each such hop costs more than the dependency itself (bench/NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, params
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.auth.lookup import find_login
from app.auth.service import needs_touch, touch_session
from app.config import Settings
from app.content.catalog import Catalog
from app.errors import Forbidden
from app.models import User
from app.rawsql import held

Result = TypeVar("Result")
SESSION_COOKIE = "allyship_session"
SECURE_SESSION_COOKIE = "__Host-allyship_session"


class LoginRequired(Exception):
    """Raised when a page needs a signed-in user; main.py redirects to /login."""


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


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


async def look_up_sign_in(request: Request) -> User | None:
    """Find who is signed in and keep it on the request (app/request_checks.py, first)."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(session_cookie_name(settings))
    found = await run_read(request, find_login, settings, token) if token else None
    if found is None:
        request.state.user = request.state.login = None
        return None
    login, user = found
    if needs_touch(login):
        await run_in_threadpool(touch_session, request.app.state.engine, login)
    # Both rows are detached: a service that changes the user (a new password) attaches it
    # with `session.add(user)`, which keeps the changes made to it.
    request.state.user, request.state.login = user, login
    return user


async def optional_user(request: Request) -> User | None:
    """The signed-in user or None, from the lookup the request checks already made.

    Reading it from the request, rather than depending on the lookup, saves FastAPI a level
    of dependency solving on every page (bench/NOTES.md); the lookup runs here only if
    nothing did it first.
    """
    try:
        user: User | None = request.state.user
    except AttributeError:
        return await look_up_sign_in(request)
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(request: Request) -> User:
    user = await optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> params.Depends:
    """A dependency that lets only the given roles through (403 for others)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden("This page is for " + " or ".join(roles) + " accounts.")
        return user

    dependency: params.Depends = Depends(check)  # FastAPI types Depends() as Any
    return dependency
