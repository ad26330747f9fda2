"""When an assignment is due, and when it counts as done."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Exists, exists
from sqlmodel import col

from app.models import Assignment, Completion


def completed() -> Exists:
    """True for an assignment whose module the person has completed (correlated EXISTS)."""
    return exists().where(
        col(Completion.user_id) == Assignment.user_id,
        col(Completion.module_id) == Assignment.module_id,
    )


def end_of_day(day: date) -> datetime:
    """Due dates mean "by the end of that day" (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def due_in(now: datetime, days: int) -> datetime:
    return end_of_day((now + timedelta(days=days)).date())
