"""The HR dashboard's aggregates, computed in SQL with GROUP BY (a fixed number of queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, case, exists, func
from sqlalchemy.sql import Subquery
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import day_text, select_columns
from app.hr import release
from app.hr.anonymity import hidden_cells
from app.hr.due import completed, in_current_cycle
from app.models import (
    Assignment,
    Completion,
    Department,
    LessonProgress,
    User,
)
from app.privacy import MIN_GROUP

WEEKS = 12
OVERDUE_LIST = 10
NO_DEPARTMENT = "No department"


def person_stats(
    now: datetime, *, started: bool = True, only: Sequence[int] | None = None
) -> Subquery:
    """Per person with assignments: assigned, done, overdue, next open due date (and started);
    `only` these people when given (one page of the people table)."""
    done = col(Completion.id).is_not(None)
    columns = [
        col(Assignment.user_id).label("user_id"),
        func.count().label("assigned"),
        func.count(col(Completion.id)).label("done"),
        func.sum(case((~done & (col(Assignment.due_at) < now), 1), else_=0)).label("overdue"),
        func.min(case((~done, Assignment.due_at), else_=None)).label("next_due"),
    ]
    same = (
        (col(Completion.user_id) == Assignment.user_id)
        & (col(Completion.module_id) == Assignment.module_id)
        & in_current_cycle(Completion)
    )
    stmt: Select[*tuple[Any, ...]] = (
        select_columns(*columns).select_from(Assignment).join(Completion, same, isouter=True)
    )
    if started:
        opened = (
            (col(LessonProgress.user_id) == Assignment.user_id)
            & (col(LessonProgress.module_id) == Assignment.module_id)
            & in_current_cycle(LessonProgress)
        )
        stmt = stmt.add_columns(func.count(col(LessonProgress.id)).label("started")).join(
            LessonProgress, opened, isouter=True
        )
    if only is not None:
        stmt = stmt.where(col(Assignment.user_id).in_(only))
    return stmt.group_by(col(Assignment.user_id)).subquery("ps")


@dataclass(frozen=True)
class DepartmentBar:
    name: str
    people: int
    complete_people: int
    assigned: int
    done: int
    hidden: bool

    @property
    def percent(self) -> int:
        return (100 * self.done) // self.assigned if self.assigned else 0


@dataclass(frozen=True)
class WeekCount:
    week: date
    count: int


@dataclass(frozen=True)
class OverduePerson:
    user_id: int
    name: str
    email: str
    department: str
    overdue: int
    since: datetime


@dataclass(frozen=True)
class Overview:
    people: int
    people_assigned: int
    people_complete: int
    assigned: int
    done: int
    overdue_assignments: int
    overdue_people: int
    departments: list[DepartmentBar]
    weeks: list[WeekCount]
    overdue: list[OverduePerson]

    @property
    def percent(self) -> int:
        return (100 * self.done) // self.assigned if self.assigned else 0


def overview(session: Session, *, now: datetime | None = None) -> Overview:
    """Everything on the dashboard's first page, in four queries."""
    now = now or utcnow()
    ps = person_stats(now, started=False)
    rows = session.exec(
        select_columns(
            col(Department.name),
            func.count(col(User.id)),
            func.count(ps.c.user_id),
            func.sum(case((ps.c.done == ps.c.assigned, 1), else_=0)),
            func.coalesce(func.sum(ps.c.assigned), 0),
            func.coalesce(func.sum(ps.c.done), 0),
            func.coalesce(func.sum(ps.c.overdue), 0),
            func.sum(case((ps.c.overdue > 0, 1), else_=0)),
        )
        .select_from(User)
        .join(ps, ps.c.user_id == User.id, isouter=True)
        .join(Department, col(Department.id) == User.department_id, isouter=True)
        .where(col(User.active))
        .group_by(col(Department.name))
        .order_by(col(Department.name))
    ).all()
    sizes = [r[2] for r in rows]
    hidden = hidden_cells(sizes)
    bars = [
        DepartmentBar(r[0] or NO_DEPARTMENT, r[2], r[3] or 0, r[4], r[5], i in hidden)
        for i, r in enumerate(rows)
        if r[2]
    ]
    return Overview(
        people=sum(r[1] for r in rows),
        people_assigned=sum(sizes),
        people_complete=sum(r[3] or 0 for r in rows),
        assigned=sum(r[4] for r in rows),
        done=sum(r[5] for r in rows),
        overdue_assignments=sum(r[6] for r in rows),
        overdue_people=sum(r[7] or 0 for r in rows),
        departments=sorted(bars, key=lambda b: (b.hidden, -b.percent, b.name)),
        weeks=completions_by_week(session, now=now),
        overdue=overdue_people(session, now=now),
    )


def completions_by_week(session: Session, *, now: datetime, weeks: int = WEEKS) -> list[WeekCount]:
    """Completions per ISO week (Monday to Sunday) over the last `weeks` weeks, gaps as zero.

    Counted per day in SQL (a cheap text prefix, no date arithmetic per row), summed into
    weeks here. Completions of people who have since left still count: they happened.
    """
    this_monday = now.date() - timedelta(days=now.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    day = day_text(session, Completion.completed_at)
    per_day = session.exec(
        select(day, func.count()).where(col(Completion.completed_at) >= since).group_by(day)
    ).all()
    totals = dict.fromkeys(range(weeks), 0)
    for text, count in per_day:
        index = (date.fromisoformat(text) - first).days // 7
        if index in totals:
            totals[index] += count
    return [WeekCount(first + timedelta(weeks=i), totals[i]) for i in range(weeks)]


def overdue_people(
    session: Session, *, now: datetime, limit: int = OVERDUE_LIST
) -> list[OverduePerson]:
    """The people overdue the longest (individuals: HR may see who; never an aggregate).

    Overdue assignments are read oldest due date first, only until `limit` people have shown
    up: the first date each person shows up with is their longest overdue. Grouping every
    overdue assignment by person first took 110 ms at 20,000 people (bench/NOTES.md).
    """
    # EXISTS, not IN (active people): with IN, SQLite reads every active person's assignments
    # and sorts them, instead of walking the due-date index and stopping early.
    active = exists().where(col(User.id) == Assignment.user_id, col(User.active))
    overdue = (col(Assignment.due_at) < now, ~completed(), active)
    oldest_first = (
        select(Assignment.user_id, Assignment.due_at)
        .where(*overdue)
        .order_by(col(Assignment.due_at), col(Assignment.user_id))
        .execution_options(yield_per=100)
    )
    since: dict[int, datetime] = {}
    result = session.exec(oldest_first)
    try:
        for user_id, due_at in result:
            since.setdefault(user_id, due_at)
            if len(since) == limit:
                break
    finally:
        result.close()
    late = (
        select(func.count())
        .where(*overdue, col(Assignment.user_id) == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    people = {
        uid: (name, email, dept, count)
        for uid, name, email, dept, count in session.exec(
            select_columns(
                col(User.id), col(User.name), col(User.email), col(Department.name), late
            )
            .join(Department, col(Department.id) == User.department_id, isouter=True)
            .where(col(User.id).in_(list(since)))
        )
    }
    return [
        OverduePerson(uid, *people[uid][:2], people[uid][2] or NO_DEPARTMENT, people[uid][3], first)
        for uid, first in since.items()
    ]


@dataclass(frozen=True)
class ScenarioScore:
    module_id: str
    module_title: str
    scenario_id: str
    title: str
    people: int
    percent: int | None

    @property
    def hidden(self) -> bool:
        return self.percent is None


def shown_percent(noisy_points: int, most: int) -> int:
    """A noisy sum as a whole percent of the most it could be, kept within 0..100."""
    return min(100, max(0, round(100 * noisy_points / most)))


def hardest_scenarios(
    engine: Engine, catalog: Catalog, *, department_id: int | None = None
) -> list[ScenarioScore]:
    """First-attempt score per scenario, hardest first, for everyone or one department.

    Figures are released ones (app/hr/release.py): sums of whole blocks of 5 or more people,
    counted under the department each person had when their attempt was first counted. So
    no sequence of views, across imports that move people and across new attempts, differs
    by fewer than 5 people, and everyone minus the departments is pooled blocks of 5 or more.
    Each block's sums carry noise drawn once at sealing, so a figure is approximate.
    """
    release.catch_up(engine)
    with Session(engine) as session:
        cells = release.scenario_totals(session, department_id=department_id)
    out = []
    for module in catalog.modules:
        for scenario in module.quiz.scenarios:
            people, points = cells.get((module.id, scenario.id), (0, 0))
            percent = (
                shown_percent(points, people * scenario.max_points)
                if people >= MIN_GROUP and scenario.max_points
                else None
            )
            out.append(
                ScenarioScore(module.id, module.title, scenario.id, scenario.title, people, percent)
            )
    return sorted(out, key=lambda s: (s.hidden, s.percent or 0, s.module_id, s.scenario_id))


def scenarios_ready(engine: Engine, catalog: Catalog) -> bool:
    """Whether any scenario has a released figure (5 or more people): until then nothing to show."""
    return any(not s.hidden for s in hardest_scenarios(engine, catalog))
