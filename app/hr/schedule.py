"""The reminder schedule, from each person's own due date (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DUE_SOON = "due-soon"  # 7 to 2 days before the due date
DUE_TOMORROW = "due-tomorrow"  # 1 day before, or on the day
OVERDUE = "overdue"  # 1 to 7 days after
OVERDUE_WEEKLY = "overdue-weekly"  # then once a week, up to the cap
KINDS = (DUE_SOON, DUE_TOMORROW, OVERDUE, OVERDUE_WEEKLY)


@dataclass(frozen=True, order=True)
class Reminder:
    """One reminder: its kind, the period that makes it unique, and the day it becomes due."""

    day: date
    kind: str
    period: str


def _reminder(due: date, offset: int, cap: int) -> Reminder | None:
    """The reminder whose window contains the day `offset` days after `due`."""
    key = due.isoformat()
    if -7 <= offset <= -2:
        return Reminder(due - timedelta(days=7), DUE_SOON, key)
    if -1 <= offset <= 0:
        return Reminder(due - timedelta(days=1), DUE_TOMORROW, key)
    if 1 <= offset <= 7:
        return Reminder(due + timedelta(days=1), OVERDUE, key)
    week = (offset - 1) // 7
    if offset >= 8 and week <= cap:
        return Reminder(due + timedelta(days=1 + 7 * week), OVERDUE_WEEKLY, f"{key}/w{week}")
    return None


def current(due: date, today: date, *, cap: int) -> Reminder | None:
    """The reminder that should have gone out by `today` (only the latest one, never a backlog)."""
    return _reminder(due, (today - due).days, cap)


def upcoming(due: date, today: date, *, cap: int, days: int) -> list[Reminder]:
    """Reminders whose window opens after today and within `days` days (first day each)."""
    starts = [-7, -1, 1, *(1 + 7 * week for week in range(1, cap + 1))]
    found = []
    for offset in starts:
        day = due + timedelta(days=offset)
        if today < day <= today + timedelta(days=days):
            reminder = _reminder(due, offset, cap)
            if reminder is not None:
                found.append(reminder)
    return sorted(found)


def window(today: date, *, cap: int, ahead: int = 0) -> tuple[date, date]:
    """The due dates that can produce a reminder between today and `ahead` days later."""
    return today - timedelta(days=7 + 7 * cap + 6), today + timedelta(days=7 + ahead)


def describe(kind: str, due: date, today: date) -> str:
    days = (due - today).days
    if days > 1:
        return f"due in {days} days ({due:%-d %b %Y})"
    if days == 1:
        return f"due tomorrow ({due:%-d %b %Y})"
    if days == 0:
        return f"due today ({due:%-d %b %Y})"
    return f"overdue since {due:%-d %b %Y} ({-days} day{'s' if days != -1 else ''})"
