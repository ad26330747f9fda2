"""Import plans: what a people file would add, update, leave and deactivate, and its bad rows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Literal

from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.db import select_columns
from app.hr.account_changes import hr_may_set_role, is_protected
from app.hr.csvfile import CsvRecord, CsvTable
from app.hr.import_rules import loop_problems, protected_problems
from app.models import Department, Role, User
from app.web.inputs import email_problem, one_line_problem

LIMITS = {"email": 320, "name": 200, "department": 200, "external_id": 200}
ROLES = tuple(Role.__members__)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Person:
    line: int
    email: str
    name: str
    department: str | None
    manager_email: str | None
    role: str | None
    external_id: str | None


@dataclass(frozen=True)
class Change:
    line: int
    user_id: int
    email: str
    name: str
    fields: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Leaver:
    user_id: int
    email: str
    name: str


@dataclass
class ImportPlan:
    filename: str
    encoding: str
    delimiter: str
    columns: list[str]
    ignored: list[str]
    rows: int = 0
    add: list[Person] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    unchanged: int = 0
    deactivate: list[Leaver] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    managers: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        """Lines with at least one problem: a line with two problems is one bad row."""
        return len({e.line for e in self.errors})

    @property
    def fingerprint(self) -> str:
        """Identifies what apply would do, so a stale preview cannot be applied."""
        canon = json.dumps(
            [
                [p.email for p in self.add],
                [(c.user_id, sorted(c.fields.items())) for c in self.update],
                [d.user_id for d in self.deactivate],
                [str(e) for e in self.errors],
                sorted(self.managers.items(), key=lambda kv: kv[0]),
            ],
            default=str,
        )
        return hashlib.sha256(canon.encode()).hexdigest()[:32]

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": len(self.add),
            "updated": len(self.update),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivate),
            "errors": len(self.errors),
        }


@dataclass(frozen=True)
class Existing:
    id: int
    email: str
    name: str
    role: str
    department: str | None
    manager_email: str | None
    external_id: str | None
    active: bool


def _existing(session: Session) -> list[Existing]:
    departments = dict(session.exec(select(Department.id, Department.name)).all())
    rows = session.exec(
        select_columns(
            col(User.id),
            col(User.email),
            col(User.name),
            col(User.role),
            col(User.department_id),
            col(User.manager_id),
            col(User.external_id),
            col(User.active),
        )
    ).all()
    emails = {r[0]: r[1] for r in rows}
    return [
        Existing(
            uid or 0,
            email,
            name,
            role,
            departments.get(dept) if dept else None,
            emails.get(manager) if manager else None,
            ext,
            active,
        )
        for uid, email, name, role, dept, manager, ext, active in rows
    ]


def _clean(record: CsvRecord, columns: list[str], errors: list[RowError]) -> Person | None:
    values, line = record.values, record.line
    before = len(errors)
    email = values["email"].lower()
    if not email:
        errors.append(RowError(line, "email", "is missing; add the person's work email"))
    elif (problem := email_problem(email)) is not None:
        errors.append(RowError(line, "email", problem))
    if not values["name"]:
        errors.append(RowError(line, "name", "is missing; add the person's full name"))
    for column in ("name", "department"):
        if (problem := one_line_problem(values.get(column, ""))) is not None:
            errors.append(RowError(line, column, problem))
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            errors.append(RowError(line, name, f"is longer than {limit} characters"))
    role = values.get("role", "").lower() or None
    if role and role not in ROLES:
        errors.append(
            RowError(line, "role", f"“{role}” is not a role; use one of: {', '.join(ROLES)}")
        )
    manager = values.get("manager_email", "").lower()
    if manager and manager == email:
        errors.append(RowError(line, "manager email", "is the person's own email"))
    if len(errors) > before:
        return None
    return Person(
        line=line,
        email=email,
        name=values["name"],
        department=values.get("department") or None if "department" in columns else None,
        manager_email=manager or None,
        role=role,
        external_id=values.get("external_id") or None,
    )


def build_plan(
    session: Session,
    table: CsvTable,
    *,
    filename: str,
    leavers: bool,
    actor: AnyUser | None,
) -> ImportPlan:
    """Compare the file with the database; nothing is written."""
    plan = ImportPlan(filename, table.encoding, table.delimiter, table.columns, table.ignored)
    plan.rows = len(table.records)
    existing = _existing(session)
    by_email = {e.email: e for e in existing}
    by_ext = {e.external_id: e for e in existing if e.external_id}
    departments = set(session.exec(select(Department.name)).all())
    canon = {name.casefold(): name for name in departments}
    seen_email: dict[str, int] = {}
    seen_ext: dict[str, int] = {}
    people: list[tuple[Person, Existing | None]] = []
    for record in table.records:
        person = _clean(record, table.columns, plan.errors)
        if person is None:
            continue
        if person.email in seen_email:
            plan.errors.append(
                RowError(
                    person.line,
                    "email",
                    f"{person.email} is also on line {seen_email[person.email]}; "
                    "keep one row per person",
                )
            )
            continue
        seen_email[person.email] = person.line
        if person.department:
            department = canon.setdefault(person.department.casefold(), person.department)
            person = replace(person, department=department)
        if person.external_id and person.external_id in seen_ext:
            plan.errors.append(
                RowError(
                    person.line,
                    "external id",
                    f"{person.external_id} is also on line {seen_ext[person.external_id]}",
                )
            )
            continue
        if person.external_id:
            seen_ext[person.external_id] = person.line
        match = _match(person, by_email, by_ext, plan.errors)
        if match is not False:
            people.append((person, match))
    known = set(by_email) | {p.email for p, _ in people}
    for person, match in people:
        if person.manager_email and person.manager_email not in known:
            plan.errors.append(
                RowError(
                    person.line,
                    "manager email",
                    f"no one with the email {person.manager_email} is in this file or "
                    "already has an account; add the manager's row or fix the email",
                )
            )
            continue
        if match is not None and (problems := protected_problems(person, match)):
            plan.errors += [RowError(person.line, f, m) for f, m in problems]
            continue
        if not _role_allowed(person, match, actor, plan.errors):
            continue
        _classify(plan, person, match, "manager_email" in table.columns)
    for line, message in loop_problems(people, existing, plan.managers):
        plan.errors.append(RowError(line, "manager email", message))
    if leavers:
        listed = {m.id for _, m in people if m is not None}
        in_file = {r.values["email"].lower() for r in table.records}
        plan.deactivate = [
            Leaver(e.id, e.email, e.name)
            for e in existing
            if e.active
            and e.id not in listed
            and e.email not in in_file
            and not is_protected(e.role)
            and (actor is None or e.id != actor.id)
        ]
    wanted = {p.department for p in plan.add if p.department} | {
        c.fields["department"][1] for c in plan.update if "department" in c.fields
    }
    plan.new_departments = sorted(wanted - departments - {""})
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _match(
    person: Person,
    by_email: dict[str, Existing],
    by_ext: dict[str, Existing],
    errors: list[RowError],
) -> Existing | Literal[False] | None:
    """The existing account this row describes, None for a new person, False on a conflict."""
    via_ext = by_ext.get(person.external_id) if person.external_id else None
    via_email = by_email.get(person.email)
    if via_ext and via_email and via_ext.id != via_email.id:
        errors.append(
            RowError(
                person.line,
                "external id",
                f"{person.external_id} belongs to {via_ext.email}, but {person.email} is "
                "another person's account; fix one of them",
            )
        )
        return False
    return via_ext or via_email


def _role_allowed(
    person: Person, match: Existing | None, actor: AnyUser | None, errors: list[RowError]
) -> bool:
    """HR's import follows the same role rule as Add/Edit person (`hr_may_set_role`)."""
    if actor is None or actor.role == Role.admin:
        return True
    current = match.role if match else None
    wanted = person.role or current or Role.learner.value
    if wanted == (current or Role.learner.value) or hr_may_set_role(current, wanted):
        return True
    role = wanted if is_protected(wanted) else (current or wanted)
    errors.append(
        RowError(
            person.line,
            "role",
            f"only an admin can give or remove the {role} role; HR gives only learner "
            "and facilitator: put one of those in this row (or leave the role empty), "
            "or ask an admin",
        )
    )
    return False


def _classify(plan: ImportPlan, person: Person, match: Existing | None, has_manager: bool) -> None:
    if has_manager and (match is not None or person.manager_email):
        plan.managers[person.email] = person.manager_email
    if match is None:
        plan.add.append(person)
        return
    wanted = {
        "email": person.email,
        "name": person.name,
        "role": person.role or match.role,
        "external_id": person.external_id or match.external_id,
        "active": "yes",
    }
    current = {
        "email": match.email,
        "name": match.name,
        "role": match.role,
        "external_id": match.external_id,
        "active": "yes" if match.active else "no",
    }
    if "department" in plan.columns:
        wanted["department"], current["department"] = person.department, match.department
    if has_manager:
        wanted["manager_email"], current["manager_email"] = (
            person.manager_email,
            match.manager_email,
        )
        if person.manager_email == match.manager_email:
            plan.managers.pop(person.email, None)
    changes = {
        k: (current[k] or "", wanted[k] or "")
        for k in wanted
        if (current[k] or "") != (wanted[k] or "")
    }
    if changes:
        plan.update.append(Change(person.line, match.id, person.email, person.name, changes))
    else:
        plan.unchanged += 1
