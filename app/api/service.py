"""API v1 reads: modules, departments, people (one, or a list changed since a time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.api import external_ids
from app.api.progress import after, encode_cursor
from app.api.schemas import (
    AssignmentOut,
    AssignmentStatus,
    DepartmentOut,
    ModuleOut,
    PeoplePage,
    PersonItem,
    PersonOut,
    RecertOut,
)
from app.clock import utcnow
from app.content.catalog import Catalog
from app.errors import NotFound
from app.hr.recert import person_recert
from app.models import (
    Assignment,
    Completion,
    Department,
    LessonProgress,
    QuizAttempt,
    Role,
    User,
    row_id,
)


def modules(catalog: Catalog) -> list[ModuleOut]:
    return [
        ModuleOut(
            id=m.id,
            title=m.title,
            order=m.order,
            minutes=m.minutes,
            pass_mark=m.quiz.pass_mark,
            scenarios=len(m.quiz.scenarios),
        )
        for m in catalog.modules
    ]


def get_person(session: Session, *, external_id: str) -> PersonOut:
    """One person with their assignments and progress (no reflections, ever)."""
    return person_out(session, person(session, external_id))


def person(session: Session, external_id: str) -> User:
    """The person with this external id, or a 404 that names it."""
    user = external_ids.find(session, external_id)
    if user is None:
        raise NotFound(f"No person has the external id “{external_id.strip()}”.")
    return user


def person_out(session: Session, user: User) -> PersonOut:
    """The person as the API shows them (its JSON is what the ETag is computed from)."""
    dept = session.get(Department, user.department_id) if user.department_id else None
    manager = session.get(User, user.manager_id) if user.manager_id else None
    now = utcnow()
    items = assignments_of(session, user, now=now)
    return PersonOut(
        external_id=user.external_id or "",
        email=user.email,
        name=user.name,
        department=dept.name if dept else None,
        manager_email=manager.email if manager else None,
        manager_external_id=manager.external_id if manager else None,
        role=Role(user.role),
        active=user.active,
        assignments=items,
        recertification=_recert_out(session, user, [i.module_id for i in items], now),
    )


def assignments_of(
    session: Session, user: User, *, now: datetime, module_id: str | None = None
) -> list[AssignmentOut]:
    """The person's current assignments with the status of the current cycle."""
    uid = row_id(user)
    done = dict(
        session.exec(
            select(Completion.module_id, Completion.completed_at).where(
                Completion.user_id == uid,
                Completion.cycle == user.cycle,
                Completion.superseded_by == 0,
            )
        ).all()
    )
    started = set(
        session.exec(
            select(LessonProgress.module_id).where(
                LessonProgress.user_id == uid,
                LessonProgress.cycle == user.cycle,
                LessonProgress.superseded_by == 0,
            )
        ).all()
    )
    tries = {
        m: (n, best)
        for m, n, best in session.exec(
            select(QuizAttempt.module_id, func.count(), func.max(QuizAttempt.percent))
            .where(
                QuizAttempt.user_id == uid,
                QuizAttempt.cycle == user.cycle,
                QuizAttempt.superseded_by == 0,
            )
            .group_by(QuizAttempt.module_id)
        )
    }
    items = []
    stmt = select(Assignment).where(Assignment.user_id == uid).order_by(Assignment.module_id)
    if module_id is not None:
        stmt = stmt.where(Assignment.module_id == module_id)
    for a in session.exec(stmt):
        n, best = tries.get(a.module_id, (0, None))
        status: AssignmentStatus = (
            "complete"
            if a.module_id in done
            else "in progress"
            if a.module_id in started or n
            else "not started"
        )
        items.append(
            AssignmentOut(
                module_id=a.module_id,
                assigned_at=a.created_at,
                due_at=a.due_at,
                status=status,
                overdue=a.module_id not in done and a.due_at < now,
                completed_at=done.get(a.module_id),
                attempts=n,
                best_score=best,
            )
        )
    return items


def _recert_out(session: Session, user: User, module_ids: list[str], now: datetime) -> RecertOut:
    found = person_recert(session, user=user, module_ids=module_ids, now=now)
    return RecertOut(
        status=found.status.value if found.status else None,
        valid_until=found.expires_on,
        cycle=found.cycle,
        validity_months=found.months,
    )


def departments(session: Session) -> list[DepartmentOut]:
    """Every department with how many active people are in it."""
    counts = dict(
        session.exec(
            select(User.department_id, func.count())
            .where(col(User.active), col(User.department_id).is_not(None))
            .group_by(col(User.department_id))
        ).all()
    )
    return [
        DepartmentOut(id=row_id(d), name=d.name, people=counts.get(d.id, 0))
        for d in session.exec(select(Department).order_by(col(Department.name), col(Department.id)))
    ]


def people_page(
    session: Session, *, updated_since: datetime | None, cursor: str | None, limit: int
) -> PeoplePage:
    """People in (updated_at, id) order from `updated_since`, a page at a time (keyset)."""
    stmt = select(User).order_by(col(User.updated_at), col(User.id)).limit(limit + 1)
    if updated_since is not None:
        stmt = stmt.where(col(User.updated_at) >= updated_since)
    if cursor:
        stmt = stmt.where(after(cursor, col(User.updated_at), col(User.id)))
    rows = session.exec(stmt).all()
    page, more = rows[:limit], len(rows) > limit
    depts = {d.id: d.name for d in session.exec(select(Department))}
    manager_ids = {u.manager_id for u in page if u.manager_id}
    managers = (
        {m.id: m for m in session.exec(select(User).where(col(User.id).in_(manager_ids)))}
        if manager_ids
        else {}
    )
    items = [
        PersonItem(
            external_id=u.external_id,
            email=u.email,
            name=u.name,
            department=depts.get(u.department_id) if u.department_id else None,
            manager_email=managers[u.manager_id].email if u.manager_id in managers else None,
            manager_external_id=(
                managers[u.manager_id].external_id if u.manager_id in managers else None
            ),
            role=Role(u.role),
            active=u.active,
            updated_at=u.updated_at or u.created_at,
        )
        for u in page
    ]
    last = page[-1] if page else None
    next_cursor = (
        encode_cursor(last.updated_at or last.created_at, row_id(last)) if more and last else None
    )
    return PeoplePage(items=items, next_cursor=next_cursor)
