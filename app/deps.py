"""Request dependencies: the signed-in user, role checks, the loaded catalog.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
thread pool, and each such hop costs more than the dependency itself (bench/NOTES.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam
from sqlmodel import Session, select

from app.auth.service import touch_session
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import SAFE_METHODS, SessionDep
from app.errors import Forbidden
from app.models import LoginSession, User
from app.security import token_digest

SESSION_COOKIE = "allyship_session"
SECURE_SESSION_COOKIE = "__Host-allyship_session"


class LoginRequired(Exception):
    """Raised when a page needs a signed-in user; main.py redirects to /login."""


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


_LOGIN = (
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)  # type: ignore[arg-type]
    .where(LoginSession.token_hash == bindparam("token_hash"))
)  # built once: on every request, building the statement cost more than running it


def find_login(
    session: Session, settings: Settings, token: str | None
) -> tuple[LoginSession, User] | None:
    """The live sign-in for a cookie token, honouring revocation, idle and absolute timeouts."""
    if not token:
        return None
    row = session.exec(_LOGIN, params={"token_hash": token_digest(token)}).first()
    if row is None:
        return None
    login, user = row
    now = utcnow()
    idle_limit = login.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if login.revoked_at or login.expires_at <= now or idle_limit <= now or not user.active:
        return None
    if user.password_changed_at and user.password_changed_at > login.created_at:
        return None
    return login, user


def _find_login_before_write(
    request: Request, session: Session, settings: Settings, token: str | None
) -> tuple[LoginSession, User] | None:
    """For unsafe methods, read the sign-in in its own short read transaction.

    The request's session begins BEGIN IMMEDIATE at its first statement; doing the sign-in
    lookup there would hold the database's write lock across the thread hop into the route
    and across touch_session's own write. The rows are merged into the request's session
    without another query.
    """
    if not token:
        return None
    with Session(request.app.state.engine, expire_on_commit=False) as read:
        found = find_login(read, settings, token)
    if found is None:
        return None
    return session.merge(found[0], load=False), session.merge(found[1], load=False)


def optional_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    token = request.cookies.get(session_cookie_name(settings))
    if request.method in SAFE_METHODS:
        found = find_login(session, settings, token)
        # End the read here so no pooled connection is held while this request waits for
        # a thread for its route, nor while touch_session takes a second one: under load,
        # threads blocked on an exhausted pool would wait for requests that wait for threads.
        session.commit()
    else:
        found = _find_login_before_write(request, session, settings, token)
    if found:
        touch_session(request.app.state.engine, found[0])
    user = found[1] if found else None
    request.state.user = user
    request.state.login = found[0] if found else None
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through (403 for others)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden("This page is for " + " or ".join(roles) + " accounts.")
        return user

    return Depends(check)
