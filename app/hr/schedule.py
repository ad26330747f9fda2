"""The reminder schedule, from each person's own due date (pure functions, no database).

A `Plan` names the days before the due date, the days after it, and how many weekly
overdue notices follow the last of those; HR or an admin edits it
(app.hr.reminder_schedule). Each reminder has a window from its day until the next one's,
so a run that missed a day still sends the latest reminder, never a backlog. Keys
(kind, period) of the shipped plan are the ones earlier versions used, so changing the
plan or upgrading never sends a reminder twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DUE_SOON = "due-soon"  # a day before the due date, 2 or more days ahead
DUE_TOMORROW = "due-tomorrow"  # 1 day before, or on the day
OVERDUE = "overdue"  # a day after the due date
OVERDUE_WEEKLY = "overdue-weekly"  # then once a week, up to the cap
KINDS = (DUE_SOON, DUE_TOMORROW, OVERDUE, OVERDUE_WEEKLY)
LAST_WINDOW = 6  # the last reminder stays due for a week


@dataclass(frozen=True)
class Plan:
    """Days before and after the due date that send a reminder, then weekly up to the cap."""

    before: tuple[int, ...] = (7, 1)
    after: tuple[int, ...] = (1,)
    weekly_cap: int = 4


DEFAULT = Plan()


@dataclass(frozen=True, order=True)
class Reminder:
    """One reminder: its kind, the period that makes it unique, and the day it becomes due."""

    day: date
    kind: str
    period: str


@dataclass(frozen=True)
class Slot:
    start: int  # days from the due date
    end: int
    kind: str
    suffix: str  # added to the due date to make the period


def slots(plan: Plan) -> list[Slot]:
    """Each reminder of the plan with its window, in order."""
    starts: list[tuple[int, str, str]] = []
    first: set[str] = set()

    def add(offset: int, kind: str, suffix: str) -> None:
        starts.append((offset, kind, "" if kind not in first else suffix))
        first.add(kind)

    for days in sorted(set(plan.before), reverse=True):
        add(-days, DUE_TOMORROW if days <= 1 else DUE_SOON, f"/-{days}")
    for days in sorted(set(plan.after)):
        add(days, OVERDUE, f"/+{days}")
    base = max(plan.after, default=0)
    for week in range(1, plan.weekly_cap + 1):
        starts.append((base + 7 * week, OVERDUE_WEEKLY, f"/w{week}"))
    found = []
    for i, (offset, kind, suffix) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else offset + LAST_WINDOW
        found.append(Slot(offset, min(end, 0) if offset <= 0 else end, kind, suffix))
    return found


def _reminder(due: date, slot: Slot) -> Reminder:
    return Reminder(due + timedelta(days=slot.start), slot.kind, due.isoformat() + slot.suffix)


def current(due: date, today: date, *, plan: Plan) -> Reminder | None:
    """The reminder that should have gone out by `today` (only the latest one, never a backlog)."""
    offset = (today - due).days
    for slot in slots(plan):
        if slot.start <= offset <= slot.end:
            return _reminder(due, slot)
    return None


def upcoming(due: date, today: date, *, plan: Plan, days: int) -> list[Reminder]:
    """Reminders whose window opens after today and within `days` days (first day each)."""
    found = [_reminder(due, s) for s in slots(plan)]
    return sorted(r for r in found if today < r.day <= today + timedelta(days=days))


def window(today: date, *, plan: Plan, ahead: int = 0) -> tuple[date, date]:
    """The due dates that can produce a reminder between today and `ahead` days later."""
    found = slots(plan)
    if not found:
        return today + timedelta(days=1), today  # nothing is ever due
    latest, earliest = max(s.end for s in found), min(s.start for s in found)
    return today - timedelta(days=latest), today + timedelta(days=ahead - earliest)


def describe(kind: str, due: date, today: date) -> str:
    days = (due - today).days
    if days > 1:
        return f"due in {days} days ({due:%-d %b %Y})"
    if days == 1:
        return f"due tomorrow ({due:%-d %b %Y})"
    if days == 0:
        return f"due today ({due:%-d %b %Y})"
    return f"overdue since {due:%-d %b %Y} ({-days} day{'s' if days != -1 else ''})"
