"""How long a sign-in has left, for the warning that comes before it ends (WCAG 2.2.1).

The page carries the seconds left (base.html); static/js/app.js warns ahead of the end and
its "Stay signed in" posts to /session/keep-alive, which moves the idle deadline forward
without reloading the page. The absolute limit cannot be extended: the warning says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.auth.lookup import LoginRow
from app.auth.service import needs_touch
from app.clock import utcnow
from app.config import Settings
from app.db import writer
from app.models import LoginSession


@dataclass(frozen=True)
class TimeLeft:
    """Seconds until the sign-in ends, and whether that end is the absolute one."""

    seconds: int
    idle_seconds: int
    final: bool
    absolute_hours: int


def time_left(
    login: LoginRow, settings: Settings, *, last_seen: datetime | None = None
) -> TimeLeft:
    """The earlier of the idle and the absolute deadline, counted from now."""
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    idle_end = (last_seen or login.last_seen_at) + idle
    end = min(idle_end, login.expires_at)
    return TimeLeft(
        seconds=max(0, int((end - now).total_seconds())),
        idle_seconds=int(idle.total_seconds()),
        final=login.expires_at <= idle_end,
        absolute_hours=settings.session_absolute_hours,
    )


def session_seconds_left(request: Request) -> TimeLeft | None:
    """For base.html: the signed-in page's time left (None for a page without a sign-in)."""
    login: LoginRow | None = getattr(request.state, "login", None)
    if login is None:
        return None
    # The sign-in lookup touched a sign-in idle for a minute or more: it starts again now.
    last_seen = utcnow() if needs_touch(login) else login.last_seen_at
    return time_left(login, request.app.state.settings, last_seen=last_seen)


def keep_alive(engine: Engine, login: LoginRow) -> datetime:
    """Start the idle time again from now ("Stay signed in"); returns the new last-seen time.

    Only a sign-in that is still live gets here (the route requires one), and revoked rows
    are left alone, so a signed-out browser cannot bring a sign-in back.
    """
    now = utcnow()
    with Session(writer(engine)) as session:
        session.execute(
            update(LoginSession)
            .where(col(LoginSession.id) == login.id, col(LoginSession.revoked_at).is_(None))
            .values(last_seen_at=now)
        )
        session.commit()
    return now
