"""The sign-in lookup done on every request: one indexed SELECT, no ORM loading.

The rows become detached `LoginSession` and `User` instances, exactly as the ORM would
have loaded them, so routes and services use them as usual; a request that writes merges
them into its own session without another query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.clock import utcnow
from app.config import Settings
from app.models import LoginSession, User, row_id
from app.rawsql import RawQuery, Source, columns_of, detached, fetch_one, select_list
from app.security import token_digest

_LOGIN_COLUMNS = columns_of(LoginSession)
_USER_COLUMNS = columns_of(User)
_SIGN_IN = RawQuery.of(
    f"SELECT {select_list(_LOGIN_COLUMNS, 's')}, {select_list(_USER_COLUMNS, 'u')}"
    ' FROM loginsession s JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = :token_hash'
)


def _sign_in_row(source: Source, token: str | None) -> tuple[LoginSession, User] | None:
    """The sign-in a cookie token names and its account, live or not."""
    if not token:
        return None
    row = fetch_one(source, _SIGN_IN, {"token_hash": token_digest(token)})
    if row is None:
        return None
    split = len(_LOGIN_COLUMNS)
    return (
        detached(LoginSession, _LOGIN_COLUMNS, row[:split]),
        detached(User, _USER_COLUMNS, row[split:]),
    )


def find_login(
    source: Source, settings: Settings, token: str | None
) -> tuple[LoginSession, User] | None:
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
    return EndedLogin(user_id=row_id(user), reason=reason)
