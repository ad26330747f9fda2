"""Assignments: the course or chosen modules to departments or people, due dates, joiner rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import chunks, conflict_insert, id_in, insert_ignore, select_columns
from app.errors import Invalid
from app.events import NewEvent, record_events
from app.hr.due import completed, due_in, due_problem, end_of_day
from app.models import Assignment, AssignmentRule, Completion, Department, RecertCycle, User


@dataclass(frozen=True)
class AssignResult:
    people: int
    created: int
    already: int
    due_at: datetime
    rules: int
    cycles: int = 0  # finished people assigned again: each started a new cycle


@dataclass(frozen=True)
class RuleRow:
    rule: AssignmentRule
    department: str
    module_title: str


@dataclass(frozen=True)
class ModuleSummary:
    module_id: str
    title: str
    assigned: int
    open: int
    earliest_due: datetime | None
    latest_due: datetime | None


class AssignmentInvalid(Invalid):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def check_modules(catalog: Catalog, module_ids: list[str], problems: dict[str, str]) -> list[str]:
    """The known modules among `module_ids`; a problem under "modules" for unknown or none."""
    unknown = [m for m in module_ids if catalog.get(m) is None]
    if unknown:
        problems["modules"] = f"Unknown module(s): {', '.join(unknown)}. Pick from the list."
    elif not module_ids:
        problems["modules"] = "Choose the whole course or at least one module."
    return [m for m in module_ids if catalog.get(m) is not None]


def split_emails(text: str) -> list[str]:
    """The entries of the emails box: one per line, comma or semicolon; addresses separated
    only by spaces are split too, but words without an @ stay one entry, so "not an email"
    is reported whole rather than as three unknown addresses."""
    entries = []
    for piece in text.replace(",", "\n").replace(";", "\n").splitlines():
        words = piece.split()
        if words and all("@" in word for word in words):
            entries += words
        elif words:
            entries.append(" ".join(words))
    return entries


def _people(
    session: Session, department_ids: list[int], emails: list[str], problems: dict[str, str]
) -> list[int]:
    found_depts = set(
        session.exec(select(Department.id).where(col(Department.id).in_(department_ids))).all()
    )
    if missing := set(department_ids) - found_depts:
        problems["departments"] = f"Unknown department id(s): {sorted(missing)}."
    by_email = dict(
        session.exec(
            select(User.email, User.id).where(col(User.email).in_(emails), col(User.active))
        ).all()
    )
    said = []
    if malformed := [e for e in emails if "@" not in e or " " in e]:
        said.append("; ".join(f"“{e}” is not an e-mail address" for e in malformed) + ".")
    if unknown := [e for e in emails if e not in by_email and e not in malformed]:
        said.append(
            "No active account has the email(s) " + ", ".join(unknown) + "; check the spelling."
        )
    if said:
        problems["emails"] = " ".join(said)
    if not department_ids and not emails:
        problems["who"] = "Choose at least one department or enter at least one email."
    ids = set(by_email.values())
    if found_depts:
        ids |= set(
            session.exec(
                select(User.id).where(col(User.department_id).in_(found_depts), col(User.active))
            ).all()
        )
    return sorted(i for i in ids if i is not None)


def assign(
    session: Session,
    catalog: Catalog,
    *,
    actor_id: int | None,
    module_ids: list[str],
    department_ids: list[int],
    emails: list[str],
    due: date | None,
    default_due_days: int,
    commit: bool = True,
) -> AssignResult:
    """Assign modules to the people of departments and to named people; departments keep a rule.

    `commit=False` leaves the transaction open for a caller that stores more with it (the
    API's idempotency record)."""
    problems: dict[str, str] = {}
    now = utcnow()
    if due is not None and (problem := due_problem(due, now.date())):
        problems["due"] = problem
    modules = check_modules(catalog, module_ids, problems)
    people = _people(session, department_ids, [e.strip().lower() for e in emails], problems)
    if problems:
        raise AssignmentInvalid(problems)
    due_at = end_of_day(due) if due else due_in(now, default_due_days)
    already = _count_existing(session, people, modules)
    cycles = restart_finished(
        session, id_in(session, User.id, people), modules, actor_id=actor_id, due_at=due_at
    )
    for part in chunks(people, 90):
        _insert_new(
            session,
            [
                {
                    "user_id": uid,
                    "module_id": m,
                    "due_at": due_at,
                    "assigned_by_id": actor_id,
                    "source": "manual",
                    "created_at": now,
                }
                for uid in part
                for m in modules
            ],
        )
    due_days = (due_at.date() - now.date()).days
    rules = [
        {
            "department_id": d,
            "module_id": m,
            "due_days": due_days,
            "created_by_id": actor_id,
            "created_at": now,
        }
        for d in department_ids
        for m in modules
    ]
    insert_ignore(session, AssignmentRule, rules, ["department_id", "module_id"])
    result = AssignResult(
        len(people), len(people) * len(modules) - already, already, due_at, len(rules), cycles
    )
    audit.record(
        session,
        actor_id=actor_id,
        action="assignment.create",
        target=", ".join(modules),
        departments=department_ids,
        emails=emails,
        people=result.people,
        created=result.created,
        cycles=cycles,
        due=due_at.date().isoformat(),
    )
    if commit:
        session.commit()
    return result


def restart_finished(
    session: Session,
    who: ColumnElement[bool],
    modules: list[str],
    *,
    actor_id: int | None,
    due_at: datetime,
) -> int:
    """Start a new cycle for each person (of `who`, a condition on User) who completed every
    one of `modules` in their current cycle; both assign paths (this page, the people table).

    The new cycle reopens the course; all their assignments get the new due date. Earlier
    cycles' rows are untouched. One UPDATE moves them all, its condition read against each
    row as it is written, so a cycle someone else started meanwhile (the reminder run, another
    HR user) is not started twice: that person no longer finished their (new) current cycle.
    Returns how many cycles this call started.
    """
    finished = (
        select(func.count(func.distinct(Completion.module_id)))
        .where(
            col(Completion.user_id) == User.id,
            col(Completion.cycle) == User.cycle,
            col(Completion.superseded_by) == 0,  # a content release reopened it: not finished
            col(Completion.module_id).in_(modules),
        )
        .scalar_subquery()
    )
    moved = session.execute(
        update(User)
        .where(who, finished == len(modules))
        .values(cycle=User.cycle + 1)
        .returning(col(User.id), col(User.cycle))
        .execution_options(synchronize_session=False)
    ).all()
    if not moved:
        return 0
    now = utcnow()
    for part in chunks(moved, 500):
        rows = [
            {"user_id": uid, "number": number, "started_at": now}
            | {"started_by_id": actor_id, "due_on": due_at.date()}
            for uid, number in part
        ]
        insert_ignore(session, RecertCycle, rows, ["user_id", "number"])
    ids = [uid for uid, _ in moved]
    session.execute(
        update(Assignment)
        .where(id_in(session, Assignment.user_id, ids))
        .values(due_at=due_at, assigned_by_id=actor_id)
    )
    return len(moved)


def _count_existing(session: Session, people: list[int], modules: list[str]) -> int:
    total = 0
    for part in chunks(people):
        total += session.exec(
            select(func.count())
            .select_from(Assignment)
            .where(col(Assignment.user_id).in_(part), col(Assignment.module_id).in_(modules))
        ).one()
    return total


def apply_rules(session: Session, *, user_ids: list[int], now: datetime) -> None:
    """Give people who joined (or moved to) a department that department's assignments."""
    for part in chunks(user_ids):
        rows = session.exec(
            select(User.id, AssignmentRule.module_id, AssignmentRule.due_days)
            .join(AssignmentRule, col(AssignmentRule.department_id) == User.department_id)
            .where(col(User.id).in_(part), col(User.active))
        ).all()
        _insert_new(
            session,
            [
                {
                    "user_id": uid,
                    "module_id": module_id,
                    "due_at": due_in(now, days),
                    "source": "department",
                    "created_at": now,
                }
                for uid, module_id, days in rows
            ],
        )


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the assignments people do not have yet, and an event for each one made."""
    if not rows:
        return
    made = session.execute(
        conflict_insert(session, Assignment)
        .on_conflict_do_nothing(index_elements=["user_id", "module_id"])
        .returning(
            col(Assignment.id),
            col(Assignment.user_id),
            col(Assignment.module_id),
            col(Assignment.due_at),
            col(Assignment.source),
        ),
        rows,
    ).all()
    record_created(session, [tuple(row) for row in made])


def record_created(session: Session, made: Sequence[Sequence[Any]]) -> None:
    """An `assignment.created` event per (assignment id, person id, module, due, source) made."""
    record_events(
        session,
        "assignment.created",
        [
            NewEvent(f"assignment/{aid}", uid, {"module_id": m, "due_at": due, "source": source})
            for aid, uid, m, due, source in made
        ],
    )


def record_removed(session: Session, removed: list[tuple[int, int, str]]) -> None:
    """The hook for unassigning: an `assignment.removed` event per (assignment id, person id,
    module) withdrawn, in the caller's transaction, as its last write before commit."""
    record_events(
        session,
        "assignment.removed",
        [NewEvent(f"assignment/{aid}", uid, {"module_id": m}) for aid, uid, m in removed],
    )


def change_due_dates(
    session: Session,
    catalog: Catalog,
    *,
    actor_id: int | None,
    module_ids: list[str],
    department_id: int | None,
    due: date | None,
    include_overdue: bool = True,
) -> int:
    """Move the due date of every open assignment that matches; returns how many moved."""
    problems: dict[str, str] = {}
    modules = check_modules(catalog, module_ids, problems)
    now = utcnow()
    if due is None:
        problems["due"] = "Enter the new due date."
    elif problem := due_problem(due, now.date()):
        problems["due"] = problem
    if problems or due is None:
        raise AssignmentInvalid(problems)
    done = completed()
    stmt = update(Assignment).where(col(Assignment.module_id).in_(modules), ~done)
    if department_id is not None:
        members = select(User.id).where(User.department_id == department_id)
        stmt = stmt.where(col(Assignment.user_id).in_(members))
    if not include_overdue:
        stmt = stmt.where(col(Assignment.due_at) >= now)
    moved = session.exec(stmt.values(due_at=end_of_day(due))).rowcount
    audit.record(
        session,
        actor_id=actor_id,
        action="assignment.due_change",
        target=", ".join(modules),
        department_id=department_id,
        due=due.isoformat(),
        moved=moved,
    )
    session.commit()
    return int(moved or 0)


def remove_rule(session: Session, *, actor_id: int | None, rule_id: int) -> None:
    """Stop assigning a module to people who join a department (existing assignments stay)."""
    rule = session.get(AssignmentRule, rule_id)
    if rule is None:
        return
    session.execute(delete(AssignmentRule).where(col(AssignmentRule.id) == rule_id))
    audit.record(
        session,
        actor_id=actor_id,
        action="assignment.rule_remove",
        target=rule.module_id,
        department_id=rule.department_id,
    )
    session.commit()


def rules(session: Session, catalog: Catalog) -> list[RuleRow]:
    rows = session.exec(
        select(AssignmentRule, Department.name)
        .join(Department, col(Department.id) == AssignmentRule.department_id)
        .order_by(Department.name, AssignmentRule.module_id)
    ).all()
    return [
        RuleRow(rule, name, m.title if (m := catalog.get(rule.module_id)) else rule.module_id)
        for rule, name in rows
    ]


def module_summary(session: Session, catalog: Catalog) -> list[ModuleSummary]:
    """Per module: how many active people have it, how many are still open, due range."""
    done = completed()
    open_ = func.sum(case((done, 0), else_=1))
    rows = session.exec(
        select_columns(
            col(Assignment.module_id),
            func.count(),
            open_,
            func.min(Assignment.due_at),
            func.max(Assignment.due_at),
        )
        .join(User, col(User.id) == Assignment.user_id)
        .where(col(User.active))
        .group_by(col(Assignment.module_id))
    ).all()
    by_id = {r[0]: r for r in rows}
    return [
        ModuleSummary(
            m.id,
            m.title,
            by_id[m.id][1] if m.id in by_id else 0,
            int(by_id[m.id][2] or 0) if m.id in by_id else 0,
            by_id[m.id][3] if m.id in by_id else None,
            by_id[m.id][4] if m.id in by_id else None,
        )
        for m in catalog.modules
    ]


def departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(Department.name)))
