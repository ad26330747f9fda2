"""When an assignment is due, and when it counts as done."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Exists, and_, exists
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.config import Settings
from app.content.catalog import Catalog
from app.models import Assignment, Completion, RecertCycle, User


def in_current_cycle(model: Any) -> ColumnElement[bool]:
    """The row (a completion, lesson read or attempt) is of its person's current cycle, and
    no content release has reopened its module since (app/learning/releases.py).

    An alias of the person, so the subquery never correlates with a `user` of the outer query.
    """
    person = aliased(User)
    return and_(
        col(model.cycle)
        == select(person.cycle).where(col(person.id) == model.user_id).scalar_subquery(),
        col(model.superseded_by) == 0,
    )


def current_cycle_start(user_id: Any) -> Any:
    """When the person's current cycle started (a correlated scalar); NULL in the first cycle.

    An assignment made before a later cycle began counts, in that cycle, from its start.
    """
    person = aliased(User)
    # Correlated with the cycle row, the enclosing query: a column of the outermost query
    # here would put its table in this subquery's FROM (every row on PostgreSQL).
    number = select(person.cycle).where(col(person.id) == RecertCycle.user_id).scalar_subquery()
    return (
        select(col(RecertCycle.started_at))
        .where(col(RecertCycle.user_id) == user_id, col(RecertCycle.number) == number)
        .scalar_subquery()
    )


def assigned_in_cycle(created_at: datetime, cycle_start: datetime | None) -> datetime:
    """The assigned date shown for the current cycle: the later of the two."""
    return created_at if cycle_start is None else max(created_at, cycle_start)


def completed() -> Exists:
    """True for an assignment completed in the person's current cycle (correlated EXISTS)."""
    return exists().where(
        col(Completion.user_id) == Assignment.user_id,
        col(Completion.module_id) == Assignment.module_id,
        in_current_cycle(Completion),
    )


def end_of_day(day: date) -> datetime:
    """Due dates mean "by the end of that day" (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def due_in(now: datetime, days: int) -> datetime:
    return end_of_day((now + timedelta(days=days)).date())


LATEST_DAYS = 2 * 366  # about two years: a later due date is a slip (2207 for 2027)


def due_problem(day: date, today: date) -> str:
    """Why `day` cannot be a due date, "" when it can: not past, at most about two years on.

    A due date years ahead silently stops every reminder for the people it is given to, so a
    slip in the year is refused rather than kept.
    """
    if day < today:
        return "The due date is in the past; choose today or a later date."
    latest = today + timedelta(days=LATEST_DAYS)
    if day > latest:
        return (
            f"{day:%-d %b %Y} is more than two years ahead (a slip in the year?); "
            f"choose a date up to {latest:%-d %b %Y}."
        )
    return ""


def module_line(settings: Settings, catalog: Catalog, module_id: str, when: str) -> str:
    """One entry of an e-mail's {modules}: the module, when it is due, and its link."""
    title = m.title if (m := catalog.get(module_id)) else module_id
    return f"- {title}: {when}\n  {settings.public_url}/modules/{module_id}"
