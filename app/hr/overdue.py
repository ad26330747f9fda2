"""Overdue events: an open assignment past its due date, reported once per assignment and cycle.

The reminder run (`allyship remind`, HR's "send reminders now") calls this, so HR systems
hear of an overdue module on the day the reminder machinery notices it, and only once: the
event's once_key names the assignment and the person's cycle, under a unique index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, exists, literal
from sqlmodel import Session, col

from app.db import select_columns
from app.events import NewEvent, record_events
from app.hr.due import completed
from app.models import Assignment, Event, User

PREFIX = "assignment.overdue/"


def once_key(assignment_id: int, cycle: int) -> str:
    return f"{PREFIX}{assignment_id}/{cycle}"


def record_overdue(session: Session, *, now: datetime) -> int:
    """Record an event for each open assignment of an active person that went overdue."""
    key = literal(PREFIX) + cast(Assignment.id, String) + "/" + cast(User.cycle, String)
    rows = session.exec(
        select_columns(
            col(Assignment.id),
            col(Assignment.user_id),
            col(Assignment.module_id),
            col(Assignment.due_at),
            col(User.cycle),
        )
        .join(User, col(User.id) == Assignment.user_id)
        .where(
            col(User.active),
            col(Assignment.due_at) < now,
            ~completed(),
            ~exists().where(col(Event.once_key) == key),
        )
        .order_by(col(Assignment.id))
    ).all()
    record_events(
        session,
        "assignment.overdue",
        [
            NewEvent(
                f"assignment/{aid}",
                uid,
                {"module_id": module_id, "due_at": due_at, "cycle": cycle},
                once_key(aid, cycle),
            )
            for aid, uid, module_id, due_at, cycle in rows
        ],
    )
    return len(rows)
