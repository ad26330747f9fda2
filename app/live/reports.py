"""Group-session figures for HR: sessions held and attendance. Never votes, never commitments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func
from sqlmodel import Session, col, select

from app.models import LiveAttendance, LiveParticipant, LiveSession, row_id


@dataclass(frozen=True)
class HeldSession:
    """One session that left the lobby. `participants` counts every phone, signed in or not."""

    session_id: int
    module_id: str
    facilitator_id: int
    held_at: datetime
    ended_at: datetime | None
    participants: int
    attendees: int  # signed-in people whose attendance was recorded


@dataclass(frozen=True)
class SessionsSummary:
    sessions_held: int
    participants: int
    attendees: int
    people: int  # distinct signed-in people who attended at least one session
    sessions: tuple[HeldSession, ...]  # newest first
    by_module: dict[str, int]  # module id -> sessions held


def sessions_summary(session: Session, since: datetime | None = None) -> SessionsSummary:
    """Sessions held (started) since `since` (all time if None) and their attendance; 4 queries."""
    held: ColumnElement[bool] = col(LiveSession.started_at).is_not(None)
    if since is not None:
        held = held & (col(LiveSession.started_at) >= since)
    lives = session.exec(
        select(LiveSession).where(held).order_by(col(LiveSession.started_at).desc())
    ).all()
    ids = select(LiveSession.id).where(held)
    let_in = col(LiveParticipant.state) == "in"  # phones waiting or turned away do not count
    phones = _count_by(session, LiveParticipant.session_id, LiveParticipant.session_id, ids, let_in)
    present = _count_by(session, LiveAttendance.session_id, LiveAttendance.session_id, ids)
    by_user = _count_by(session, LiveAttendance.user_id, LiveAttendance.session_id, ids)
    rows = tuple(
        HeldSession(
            session_id=row_id(live),
            module_id=live.module_id,
            facilitator_id=live.facilitator_id,
            held_at=live.started_at or live.created_at,
            ended_at=live.ended_at,
            participants=phones.get(row_id(live), 0),
            attendees=present.get(row_id(live), 0),
        )
        for live in lives
    )
    by_module: dict[str, int] = {}
    for row in rows:
        by_module[row.module_id] = by_module.get(row.module_id, 0) + 1
    return SessionsSummary(
        sessions_held=len(rows),
        participants=sum(r.participants for r in rows),
        attendees=sum(r.attendees for r in rows),
        people=len(by_user),
        sessions=rows,
        by_module=by_module,
    )


def _count_by(
    session: Session,
    key: Any,
    session_column: Any,
    ids: Select[Any],
    only: ColumnElement[bool] | None = None,
) -> dict[int, int]:
    """Rows per `key`, among rows whose session is one of `ids` (and that match `only`)."""
    query = select(key, func.count()).where(col(session_column).in_(ids))
    if only is not None:
        query = query.where(only)
    rows = session.exec(query.group_by(key)).all()
    return {k: n for k, n in rows}
