"""Who is signed in, and role checks: the user dependencies every signed-in route uses.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
thread pool, and each such hop costs more than the dependency itself (bench/NOTES.md).
The request checks (app/web/request_checks.py) run `SIGN_IN_READ` first, through the list
`create_app` sets, so the web kit needs no import of this package.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Depends, Request, params
from starlette.concurrency import run_in_threadpool

from app.auth.lookup import LoginRow, UserRow, find_login
from app.auth.service import needs_touch, touch_session
from app.config import Settings
from app.db import run_read
from app.errors import Forbidden
from app.web.deps import session_cookie_name
from app.web.request_reads import Planned, RequestRead


class LoginRequired(Exception):
    """Raised when a page needs a signed-in user; main.py redirects to /login."""


def plan_sign_in(request: Request) -> Planned:
    """The read of the sign-in the cookie names; None without a cookie."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(session_cookie_name(settings))
    return partial(find_login, settings=settings, token=token) if token else None


async def keep_sign_in(request: Request, found: tuple[LoginRow, UserRow] | None) -> UserRow | None:
    """Keep who is signed in on the request; refresh the sign-in's last-seen time if due."""
    if found is None:
        request.state.user = request.state.login = None
        return None
    login, user = found
    if needs_touch(login):
        await run_in_threadpool(touch_session, request.app.state.engine, login)
    # Both are frozen read models: a service that changes the person (a new password)
    # loads the User row with `session.get` in its own session.
    request.state.user, request.state.login = user, login
    return user


# The request checks (app/web/request_checks.py) run this first, with the other reads.
SIGN_IN_READ = RequestRead(plan=plan_sign_in, keep=keep_sign_in)


async def look_up_sign_in(request: Request) -> UserRow | None:
    """Find who is signed in where the request checks did not (nothing else does)."""
    plan = plan_sign_in(request)
    return await keep_sign_in(request, await run_read(request, plan) if plan else None)


async def optional_user(request: Request) -> UserRow | None:
    """The signed-in user or None, from the lookup the request checks already made.

    Reading it from the request, rather than depending on the lookup, saves FastAPI a level
    of dependency solving on every page (bench/NOTES.md); the lookup runs here only if
    nothing did it first.
    """
    try:
        user: UserRow | None = request.state.user
    except AttributeError:
        return await look_up_sign_in(request)
    return user


OptionalUser = Annotated[UserRow | None, Depends(optional_user)]


async def current_user(request: Request) -> UserRow:
    user = await optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[UserRow, Depends(current_user)]


def require_role(*roles: str) -> params.Depends:
    """A dependency that lets only the given roles through (403 for others)."""

    async def check(user: CurrentUser) -> UserRow:
        if user.role not in roles:
            raise Forbidden("This page is for " + " or ".join(roles) + " accounts.")
        return user

    dependency: params.Depends = Depends(check)  # FastAPI types Depends() as Any
    return dependency
