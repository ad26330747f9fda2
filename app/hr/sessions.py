"""Group sessions for HR: every held session (date, module, facilitator, how many came) and
the sessions each person recorded attending. Never votes, never commitments.

Counts of people are shown as they are, even under 5 (docs/privacy.md "Counts of people are
not treated as secret"): HR sees each recorded attendee by name on their person page anyway,
so hiding a small count would protect nothing. Vote figures stay under the release rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.content.catalog import Catalog
from app.db import day_text
from app.live.reports import HeldSession, SessionsSummary, sessions_summary
from app.models import LiveAttendance, LiveSession, User

HELD = col(LiveSession.started_at).is_not(None)


@dataclass(frozen=True)
class SessionRow:
    """One held session as HR's list shows it."""

    held: HeldSession
    module: str
    facilitator: str


@dataclass(frozen=True)
class Attended:
    """One held session a person recorded attending."""

    held_at: datetime
    module_id: str
    module: str
    facilitator: str
    counted: bool  # credited toward the module's lesson when the session ended
    ended: bool


def held_sessions(
    session: Session, catalog: Catalog, since: datetime | None = None
) -> tuple[SessionsSummary, list[SessionRow]]:
    """Every session held (newest first) with its module's title and facilitator's name."""
    summary = sessions_summary(session, since)
    ids = {row.facilitator_id for row in summary.sessions}
    names = _names(session, ids)
    rows = [
        SessionRow(row, _title(catalog, row.module_id), names.get(row.facilitator_id, ""))
        for row in summary.sessions
    ]
    return summary, rows


def attended(session: Session, catalog: Catalog, *, user_id: int) -> list[Attended]:
    """The held sessions this person recorded attending, newest first (one query)."""
    rows = session.exec(
        select(LiveSession, LiveAttendance.counted_at, User.name)
        .join(LiveAttendance, col(LiveAttendance.session_id) == LiveSession.id)
        .join(User, col(User.id) == LiveSession.facilitator_id)
        .where(LiveAttendance.user_id == user_id, HELD)
        .order_by(col(LiveSession.started_at).desc(), col(LiveSession.id).desc())
    ).all()
    return [
        Attended(
            held_at=live.started_at or live.created_at,
            module_id=live.module_id,
            module=_title(catalog, live.module_id),
            facilitator=name,
            counted=counted_at is not None,
            ended=live.ended_at is not None,
        )
        for live, counted_at, name in rows
    ]


def attended_by_module(
    session: Session, user_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[int, str]]:
    """(person, module) -> (held sessions attended, day of the latest), for the export."""
    query = (
        select(
            LiveAttendance.user_id,
            LiveSession.module_id,
            func.count(),
            day_text(session, func.max(LiveSession.started_at)),
        )
        .join(LiveSession, col(LiveSession.id) == LiveAttendance.session_id)
        .where(col(LiveAttendance.user_id).in_(user_ids), HELD)
        .group_by(col(LiveAttendance.user_id), col(LiveSession.module_id))
    )
    return {(uid, m): (n, day) for uid, m, n, day in session.exec(query).all()}


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows: Any = session.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all()
    return {uid: name for uid, name in rows}


def _title(catalog: Catalog, module_id: str) -> str:
    module = catalog.get(module_id)
    return module.title if module else module_id
