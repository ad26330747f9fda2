"""The team page's facts: each report's assignments, status and dates, and small-group-safe totals.

What a manager sees is declared once in app/team/visibility.py; nothing here reads quiz
attempts, scores, reflections, votes or commitments. The whole team is read in a fixed
number of queries, whatever its size or depth (tests/team/test_team_queries.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_
from sqlmodel import Session, col

from app.content.catalog import Catalog
from app.db import select_columns
from app.hr.anonymity import hidden_cells
from app.hr.due import assigned_in_cycle, current_cycle_start, in_current_cycle
from app.hr.team_tree import team_of
from app.models import Assignment, Completion, LessonProgress, User
from app.privacy import MIN_GROUP

PAGE_SIZE = 100
NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETE = "not started", "in progress", "overdue", "complete"


@dataclass(frozen=True)
class Item:
    """One assignment of one report, as a manager may see it."""

    module_id: str
    title: str
    assigned_at: datetime
    due_at: datetime
    status: str
    completed_at: datetime | None


@dataclass
class Member:
    id: int
    name: str
    reports_to: str
    branch: int
    items: list[Item]


@dataclass(frozen=True)
class Figure:
    """Completion and overdue counts over a group; `shown` False below the small-group rule."""

    label: str
    people: int
    assignments: int
    complete: int
    overdue: int
    shown: bool

    @property
    def rate(self) -> int:
        return round(100 * self.complete / self.assignments) if self.assignments else 0


@dataclass(frozen=True)
class TeamView:
    people: list[Member]
    total: int
    page: int
    pages: int
    team: Figure
    modules: list[Figure]
    branches: list[Figure]


def team_view(
    session: Session, catalog: Catalog, *, manager_id: int, now: datetime, page: int = 1
) -> TeamView:
    """Everyone under `manager_id` (active), one page of them in full, and the team's figures."""
    team = team_of(manager_id)
    rows = session.exec(
        select_columns(
            team.c.member, team.c.branch, col(User.name), col(User.active), col(User.manager_id)
        ).join(User, col(User.id) == team.c.member)
    ).all()
    names = {member: name for member, _b, name, _a, _m in rows}
    names.setdefault(manager_id, "you")
    members = {
        member: Member(member, name, names.get(boss or 0, ""), branch, [])
        for member, branch, name, active, boss in rows
        if active
    }
    for user_id, item in _items(session, catalog, team, now):
        if user_id in members:
            members[user_id].items.append(item)
    people = sorted(members.values(), key=lambda m: (m.name.casefold(), m.id))
    pages = max(1, -(-len(people) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return TeamView(
        people=people[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(people),
        page=page,
        pages=pages,
        team=_figure("Whole team", people, lambda _m: True, shown=True),
        modules=_by_module(catalog, people),
        branches=_by_branch(people, names),
    )


def _items(
    session: Session, catalog: Catalog, team: object, now: datetime
) -> Iterable[tuple[int, Item]]:
    """Every assignment in the team with its completion and lesson-opened dates (one query)."""
    member = team.c.member  # type: ignore[attr-defined]
    rows = session.exec(
        select_columns(
            col(Assignment.user_id),
            col(Assignment.module_id),
            col(Assignment.created_at),
            col(Assignment.due_at),
            col(Completion.completed_at),
            col(LessonProgress.opened_at),
            current_cycle_start(Assignment.user_id),
        )
        .join(team, member == Assignment.user_id)  # type: ignore[arg-type]
        .outerjoin(
            Completion,
            and_(
                col(Completion.user_id) == Assignment.user_id,
                col(Completion.module_id) == Assignment.module_id,
                # Current rows only: a new cycle or a content release keeps the old ones.
                in_current_cycle(Completion),
            ),
        )
        .outerjoin(
            LessonProgress,
            and_(
                col(LessonProgress.user_id) == Assignment.user_id,
                col(LessonProgress.module_id) == Assignment.module_id,
                in_current_cycle(LessonProgress),
            ),
        )
        .order_by(col(Assignment.due_at), col(Assignment.module_id))
    ).all()
    for user_id, module_id, created, due, completed, opened, cycle_start in rows:
        title = m.title if (m := catalog.get(module_id)) else module_id
        assigned = assigned_in_cycle(created, cycle_start)
        yield (
            user_id,
            Item(module_id, title, assigned, due, status(due, completed, opened, now), completed),
        )


def status(
    due: datetime, completed: datetime | None, opened: datetime | None, now: datetime
) -> str:
    """Complete, else overdue once the due date has passed, else in progress once the lesson is opened."""
    if completed is not None:
        return COMPLETE
    if due < now:
        return OVERDUE
    return IN_PROGRESS if opened is not None else NOT_STARTED


def _figure(
    label: str, people: list[Member], keep: Callable[[Item], bool], *, shown: bool
) -> Figure:
    counted = [(m, [i for i in m.items if keep(i)]) for m in people]
    counted = [(m, items) for m, items in counted if items]
    items = [i for _m, its in counted for i in its]
    return Figure(
        label=label,
        people=len(counted),
        assignments=len(items),
        complete=sum(i.status == COMPLETE for i in items),
        overdue=sum(i.status == OVERDUE for i in items),
        shown=shown and len(counted) >= MIN_GROUP,
    )


def _suppressed(figures: list[Figure], sizes: list[int], total: int) -> list[Figure]:
    """The same cells, hidden as HR's partitions are (app.hr.anonymity.hidden_cells)."""
    hidden = hidden_cells(sizes, total=total)
    return [
        Figure(f.label, f.people, f.assignments, f.complete, f.overdue, i not in hidden and f.shown)
        for i, f in enumerate(figures)
    ]


def _by_module(catalog: Catalog, people: list[Member]) -> list[Figure]:
    """Per module: the people assigned it (cells over assignments, which add up to the team's)."""
    titles = {i.module_id: i.title for m in people for i in m.items}
    order = [m.id for m in catalog.modules if m.id in titles] + sorted(
        t for t in titles if catalog.get(t) is None
    )
    figures = [_figure(titles[mid], people, _of_module(mid), shown=True) for mid in order]
    total = sum(len(m.items) for m in people)
    return _suppressed(figures, [f.assignments for f in figures], total)


def _of_module(module_id: str) -> Callable[[Item], bool]:
    return lambda item: item.module_id == module_id


def _by_branch(people: list[Member], names: dict[int, str]) -> list[Figure]:
    """Per direct report's line (them and everyone under them), over people with assignments."""
    lines: dict[int, list[Member]] = defaultdict(list)
    for m in people:
        lines[m.branch].append(m)
    order = sorted(lines, key=lambda b: (names.get(b, "").casefold(), b))
    figures = [
        _figure(f"{names.get(b, '')}'s line", lines[b], lambda _i: True, shown=True) for b in order
    ]
    total = sum(1 for m in people if m.items)
    return _suppressed(figures, [f.people for f in figures], total)
