"""The reminder schedule as a setting: read by every run, edited by HR or an admin, audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from app import audit
from app.clock import utcnow
from app.config import Settings
from app.db import insert_ignore
from app.errors import Conflict
from app.hr.schedule import Plan
from app.models import ReminderSchedule

MAX_DAYS = 60
MAX_ENTRIES = 6
MAX_WEEKLY = 12
CHANGED_MEANWHILE = (
    "Someone else changed the reminder schedule while you were editing it, so nothing was "
    "saved. The form now shows their schedule; make your change again."
)


class ScheduleChanged(Conflict):
    """Someone saved the schedule after this form was read."""


class ScheduleProblems(Exception):
    """A schedule that cannot be saved: one message per field (before, after, weekly_cap)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Current:
    plan: Plan
    version: int
    updated_at: datetime | None
    custom: bool


def _days(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def current(session: Session, settings: Settings) -> Current:
    """The schedule in force: the saved one, else 7 and 1 days before, 1 after, weekly cap."""
    row = session.get(ReminderSchedule, 1)
    if row is None:
        return Current(Plan(weekly_cap=settings.reminder_weekly_cap), 0, None, False)
    plan = Plan(_days(row.before_days), _days(row.after_days), row.weekly_cap)
    return Current(plan, row.version, row.updated_at, True)


def current_plan(session: Session, settings: Settings) -> Plan:
    return current(session, settings).plan


def _parse_days(label: str, text: str, low: int) -> tuple[tuple[int, ...], str]:
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if len(parts) > MAX_ENTRIES:
        return (), f"{label}: give at most {MAX_ENTRIES} days."
    days: list[int] = []
    for part in parts:
        if not part.isascii() or not part.isdigit() or not low <= int(part) <= MAX_DAYS:
            return (), f"{label}: “{part[:20]}” is not a whole number from {low} to {MAX_DAYS}."
        if int(part) in days:
            return (), f"{label}: {int(part)} is there twice; give each day once."
        days.append(int(part))
    return tuple(days), ""


def parse(*, before: str, after: str, weekly_cap: str) -> Plan:
    """A plan from the form's text, or ScheduleProblems naming each field that is wrong."""
    problems: dict[str, str] = {}
    before_days, problem = _parse_days("Days before the due date", before, 0)
    if problem:
        problems["before"] = problem
    after_days, problem = _parse_days("Days after the due date", after, 1)
    if problem:
        problems["after"] = problem
    cap = weekly_cap.strip()
    if not (cap.isascii() and cap.isdigit() and int(cap) <= MAX_WEEKLY):
        problems["weekly_cap"] = (
            f"Weekly overdue notices: “{cap[:20]}” is not a whole number from 0 to {MAX_WEEKLY}."
        )
    if problems:
        raise ScheduleProblems(problems)
    return Plan(tuple(sorted(before_days, reverse=True)), tuple(sorted(after_days)), int(cap))


def save(session: Session, settings: Settings, *, plan: Plan, version: int, actor_id: int) -> None:
    """Store the plan if nobody saved since `version` was read (else Conflict); commits."""
    old = current(session, settings).plan
    insert_ignore(session, ReminderSchedule, [{"id": 1, "version": 0}], ["id"])
    changed = session.exec(
        update(ReminderSchedule)
        .where(col(ReminderSchedule.id) == 1, col(ReminderSchedule.version) == version)
        .values(
            before_days=",".join(map(str, plan.before)),
            after_days=",".join(map(str, plan.after)),
            weekly_cap=plan.weekly_cap,
            version=ReminderSchedule.version + 1,
            updated_at=utcnow(),
            updated_by_id=actor_id,
        )
    ).rowcount
    if changed != 1:
        session.rollback()
        raise ScheduleChanged(CHANGED_MEANWHILE)
    audit.record(
        session,
        actor_id=actor_id,
        action="reminders.schedule",
        before={"before": old.before, "after": old.after, "weekly_cap": old.weekly_cap},
        after={"before": plan.before, "after": plan.after, "weekly_cap": plan.weekly_cap},
    )
    session.commit()
