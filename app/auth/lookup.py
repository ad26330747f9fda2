"""The sign-in lookup done on every request: one indexed SELECT, no ORM loading.

The rows come back as frozen `UserRow` and `LoginRow` read models with the tables' columns:
routes and templates read them like the table classes, and a service that changes the
person loads the `User` row with `session.get` in its own session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.clock import utcnow
from app.config import Settings
from app.db import RawQuery, Source, columns_of, fetch_one, row_of, select_list
from app.models import LoginSession, User
from app.security import token_digest


class AnyUser(Protocol):
    """Whom a service acts for or on: the signed-in `UserRow`, or a `User` the ORM loaded."""

    @property
    def id(self) -> int | None: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def password_hash(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class UserRow:
    """A person as read for the current request (the `user` table's columns, in order)."""

    id: int
    email: str
    name: str
    role: str
    password_hash: str | None
    department_id: int | None
    manager_id: int | None
    external_id: str | None
    active: bool
    created_at: datetime
    deactivated_at: datetime | None
    password_changed_at: datetime | None
    cycle: int
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class SignedInRow(UserRow):
    """The signed-in person, and whether anyone active reports to them (the team page's gate)."""

    has_reports: bool = False


@dataclass(frozen=True, slots=True)
class LoginRow:
    """A sign-in as read for the current request (the `loginsession` table's columns)."""

    id: int
    token_hash: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    address: str | None


_LOGIN_COLUMNS = columns_of(LoginSession)
_USER_COLUMNS = columns_of(User)
_SIGNED_IN_COLUMNS = [*_USER_COLUMNS, ("has_reports", bool)]
_SIGN_IN = RawQuery.of(
    f"SELECT {select_list(_LOGIN_COLUMNS, 's')}, {select_list(_USER_COLUMNS, 'u')},"
    # One probe of the manager index: whether the header links to the team page.
    ' EXISTS (SELECT 1 FROM "user" r WHERE r.manager_id = u.id AND r.active) AS has_reports'
    ' FROM loginsession s JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = :token_hash'
)


def _sign_in_row(source: Source, token: str | None) -> tuple[LoginRow, UserRow] | None:
    """The sign-in a cookie token names and its account, live or not."""
    if not token:
        return None
    row = fetch_one(source, _SIGN_IN, {"token_hash": token_digest(token)})
    if row is None:
        return None
    split = len(_LOGIN_COLUMNS)
    return (
        row_of(LoginRow, _LOGIN_COLUMNS, row[:split]),
        row_of(SignedInRow, _SIGNED_IN_COLUMNS, row[split:]),
    )


def find_login(
    source: Source, settings: Settings, token: str | None
) -> tuple[LoginRow, UserRow] | None:
    """The live sign-in for a cookie token, honouring revocation, idle and absolute timeouts."""
    found = _sign_in_row(source, token)
    if found is None:
        return None
    login, user = found
    now = utcnow()
    idle_limit = login.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if login.revoked_at or login.expires_at <= now or idle_limit <= now or not user.active:
        return None
    if user.password_changed_at and user.password_changed_at > login.created_at:
        return None
    return login, user


@dataclass(frozen=True)
class EndedLogin:
    """A sign-in that has ended, still on record: whose it was and why it ended."""

    user_id: int
    reason: str  # "idle", "expired" (the absolute limit) or "ended" (signed out, revoked)


def ended_login(source: Source, settings: Settings, token: str | None) -> EndedLogin | None:
    """Whose sign-in a cookie held, once it is no longer live; None if unknown or still live.

    A form sent after the sign-in ended cannot be attributed to anyone from the session;
    the row of the ended sign-in (kept in the database, as is every sign-in) still says
    whose it was. An account that has been deactivated gets nothing kept.
    """
    found = _sign_in_row(source, token)
    if found is None:
        return None
    login, user = found
    if not user.active:
        return None
    now = utcnow()
    idle_limit = login.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    changed = user.password_changed_at and user.password_changed_at > login.created_at
    if login.revoked_at or changed:
        reason = "ended"
    elif idle_limit <= now and idle_limit <= login.expires_at:
        reason = "idle"
    elif login.expires_at <= now:
        reason = "expired"
    else:
        return None  # still live
    return EndedLogin(user_id=user.id, reason=reason)
