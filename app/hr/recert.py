"""Recertification for HR: each person's status in SQL (people table, exports), the overview's
counts (small departments hidden), and one person's cycles.

A person's status is over their assigned modules: not done while one of them has never been
completed (in any cycle), otherwise from the oldest of their latest completions: expired,
expiring (within 60 days, or a third of a shorter period), or current (always current when the period is none). People with
no assignment have no status. The thresholds come from app/recert/status.py as instants, so
the database compares timestamps and never does calendar arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, null
from sqlalchemy.sql import ColumnElement, Subquery
from sqlmodel import Session, col, select

from app.db import select_columns
from app.hr.anonymity import hidden_cells
from app.models import Assignment, Certificate, Completion, Department, RecertCycle, User
from app.recert.policy import validity_months
from app.recert.status import RecertStatus, counted_from, cutoffs, expiry_of, status_on

NO_DEPARTMENT = "No department"


def recert_stats(only: Sequence[int] | None = None, *, dated: bool = True) -> Subquery:
    """Per person with assignments: assigned modules, those ever completed, the oldest latest;
    `only` these people when given (one page of the people table).

    Without a validity period (`dated` False) no status reads a date, so `oldest` is NULL and
    "ever completed" is an EXISTS on the completions' unique index: at 20,000 people, 85 ms
    instead of 230 for grouping every completion first (bench/NOTES.md).
    """
    stmt = select_columns(col(Assignment.user_id).label("user_id"), func.count().label("assigned"))
    if only is not None:
        stmt = stmt.where(col(Assignment.user_id).in_(only))
    if not dated:
        ever = exists().where(
            col(Completion.user_id) == Assignment.user_id,
            col(Completion.module_id) == Assignment.module_id,
        )
        return (
            stmt.add_columns(
                func.sum(case((ever, 1), else_=0)).label("ever"), null().label("oldest")
            )
            .select_from(Assignment)
            .group_by(col(Assignment.user_id))
            .subquery("rs")
        )
    latest = select_columns(
        col(Completion.user_id).label("user_id"),
        col(Completion.module_id).label("module_id"),
        func.max(Completion.completed_at).label("last"),
    )
    if only is not None:
        latest = latest.where(col(Completion.user_id).in_(only))
    lc = latest.group_by(col(Completion.user_id), col(Completion.module_id)).subquery("lc")
    same = and_(lc.c.user_id == Assignment.user_id, lc.c.module_id == Assignment.module_id)
    return (
        stmt.add_columns(func.count(lc.c.last).label("ever"), func.min(lc.c.last).label("oldest"))
        .select_from(Assignment)
        .join(lc, same, isouter=True)
        .group_by(col(Assignment.user_id))
        .subquery("rs")
    )


def status_column(rs: Subquery, months: int | None, today: date) -> ColumnElement[Any]:
    """The person's status as text (RecertStatus values), NULL for people with no assignment."""
    limits = cutoffs(months, today)
    whens: list[Any] = [
        (rs.c.user_id.is_(None), None),
        (rs.c.ever < rs.c.assigned, RecertStatus.not_done.value),
    ]
    if limits is not None:
        whens += [
            (rs.c.oldest < limits[0], RecertStatus.expired.value),
            (rs.c.oldest < limits[1], RecertStatus.expiring.value),
        ]
    return case(*whens, else_=RecertStatus.current.value)


@dataclass(frozen=True)
class RecertRow:
    name: str
    people: int
    counts: dict[str, int]
    hidden: bool


@dataclass(frozen=True)
class RecertOverview:
    months: int | None
    totals: dict[str, int]
    departments: list[RecertRow] = field(default_factory=list)


def overview(session: Session, *, now: datetime) -> RecertOverview:
    """Status counts for active people with assignments, overall and per department.

    A department's row is hidden by the same rule as the completion bars (app/hr/anonymity.py):
    under 5 people, or recoverable by subtraction from the totals.
    """
    months = validity_months(session)
    rs = recert_stats(dated=months is not None)
    status = status_column(rs, months, now.date())
    rows = session.exec(
        select_columns(col(Department.name), status, func.count())
        .select_from(User)
        .join(rs, rs.c.user_id == User.id)
        .join(Department, col(Department.id) == User.department_id, isouter=True)
        .where(col(User.active))
        .group_by(col(Department.name), status)
    ).all()
    per: dict[str, dict[str, int]] = {}
    for name, state, count in rows:
        per.setdefault(name or NO_DEPARTMENT, {})[state] = count
    names = sorted(per)
    sizes = [sum(per[n].values()) for n in names]
    hidden = hidden_cells(sizes)
    totals = {s.value: sum(per[n].get(s.value, 0) for n in names) for s in RecertStatus}
    return RecertOverview(
        months,
        totals,
        [RecertRow(n, sizes[i], per[n], i in hidden) for i, n in enumerate(names)],
    )


@dataclass(frozen=True)
class PastCycle:
    number: int
    started_at: datetime | None
    completions: list[tuple[str, datetime]]
    certificate: str | None


@dataclass(frozen=True)
class PersonRecert:
    months: int | None
    cycle: int
    status: RecertStatus | None
    expires_on: date | None
    cycles: list[PastCycle]


def person_recert(
    session: Session, *, user: User, module_ids: list[str], now: datetime
) -> PersonRecert:
    """One person's status, earliest expiry and every cycle with its completions (history)."""
    months = validity_months(session)
    completions = session.exec(
        select(Completion)
        .where(Completion.user_id == user.id)
        .order_by(col(Completion.completed_at))
    ).all()
    latest: dict[str, datetime] = {}
    for c in completions:
        latest[c.module_id] = max(latest.get(c.module_id, c.completed_at), c.completed_at)
    status = expires = None
    if module_ids:
        first = counted_from(latest.get(m) for m in module_ids)
        if first is None:
            status = RecertStatus.not_done
        else:
            status, expires = status_on(first, months, now.date()), expiry_of(first, months)
    starts = dict(
        session.exec(
            select(RecertCycle.number, RecertCycle.started_at).where(RecertCycle.user_id == user.id)
        ).all()
    )
    codes = dict(
        session.exec(
            select(Certificate.cycle, Certificate.code).where(Certificate.user_id == user.id)
        ).all()
    )
    cycles = [
        PastCycle(
            n,
            starts.get(n),
            [(c.module_id, c.completed_at) for c in completions if c.cycle == n],
            codes.get(n),
        )
        for n in range(user.cycle, 0, -1)
    ]
    return PersonRecert(months, user.cycle, status, expires, cycles)
