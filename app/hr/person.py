"""One person's drill-down for HR: assignments, lesson reads, attempts, scores and group sessions
attended. Never reflections, votes or commitments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app import audit
from app.auth import invites
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.errors import Forbidden, Invalid, NotFound
from app.hr.account_changes import deactivated
from app.hr.due import assigned_in_cycle
from app.hr.recert import PersonRecert, person_recert
from app.hr.reports import NO_DEPARTMENT
from app.hr.sessions import Attended, attended
from app.learning.reopened import Reopened, reopened_for
from app.models import (
    Assignment,
    AttemptAnswer,
    Completion,
    Department,
    Invite,
    LessonProgress,
    QuizAttempt,
    Role,
    User,
    row_id,
)


@dataclass(frozen=True)
class ModuleRecord:
    module: Module
    assignment: Assignment | None
    # When it was assigned for the current cycle: a new recertification cycle assigns every
    # module again on the day it starts (outside test F8), though the row stays the same.
    assigned_at: datetime | None
    opened_at: datetime | None
    read_at: datetime | None
    attempts: list[QuizAttempt]
    completed_at: datetime | None
    # Attempt id -> titles of the scenarios that attempt asked, in the order asked.
    asked: dict[int, list[str]] = field(default_factory=dict)
    # Attempts of earlier recertification cycles, or from before a content release reopened
    # the module (history: never counted now).
    earlier: list[QuizAttempt] = field(default_factory=list)
    # Content releases that reopened this module for the person (app/learning/reopened.py).
    reopened: list[Reopened] = field(default_factory=list)

    @property
    def best(self) -> int | None:
        return max((a.percent for a in self.attempts), default=None)

    @property
    def first(self) -> int | None:
        return self.attempts[0].percent if self.attempts else None

    @property
    def status(self) -> str:
        if self.completed_at:
            return "Complete"
        if self.opened_at or self.attempts:
            return "In progress"
        return "Not started" if self.assignment else "Not assigned"

    @property
    def overdue(self) -> bool:
        return bool(self.assignment and not self.completed_at and self.assignment.due_at < utcnow())


@dataclass(frozen=True)
class PersonDetail:
    user: User
    department: str
    manager: User | None
    modules: list[ModuleRecord]
    invite: Invite | None
    recert: PersonRecert
    sessions: list[Attended] = field(default_factory=list)  # group sessions attended

    @property
    def titles(self) -> dict[str, str]:
        """Module titles by id, for the cycles table (a module since removed keeps its id)."""
        return {m.module.id: m.module.title for m in self.modules}

    def link_allowed(self, viewer: AnyUser) -> bool:
        """Whether the page offers `viewer` a sign-in link (else only a reset e-mail)."""
        return invites.may_show_link(viewer, self.user)

    def active_change_allowed(self, viewer: AnyUser) -> bool:
        """Whether `viewer` may deactivate or reactivate this person (see `set_active`)."""
        return self.user.id != viewer.id and (
            self.user.role not in (Role.admin, Role.hr) or viewer.role == Role.admin
        )

    @property
    def invite_state(self) -> str:
        if self.user.password_hash:
            return "Password set"
        invite = self.invite
        if invite is None:
            return "No invitation"
        if invite.used_at:
            return "Invitation used"
        if invite.revoked_at:
            return "Invitation replaced or withdrawn"
        if invite.token_hash is None:
            return "Invitation queued" + (
                f" (not sent after {invite.attempts} attempt(s); last error: {invite.last_error})"
                if invite.last_error
                else ""
            )
        if invite.expires_at and invite.expires_at <= utcnow():
            return "Invitation expired"
        return "Invitation sent"


def person_detail(session: Session, catalog: Catalog, *, user_id: int) -> PersonDetail:
    """Everything HR may see about one person, in a fixed number of queries."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no person with that id. Go back to the people list.")
    department = session.get(Department, user.department_id) if user.department_id else None
    manager = session.get(User, user.manager_id) if user.manager_id else None

    def by_module(model: Any, *where: Any) -> dict[str, Any]:
        rows = session.exec(select(model).where(model.user_id == user_id, *where))
        return {r.module_id: r for r in rows}

    # The module table is the current recertification cycle, without what a content release
    # set aside; attempts list every cycle.
    assignments = by_module(Assignment)
    reads = by_module(
        LessonProgress, LessonProgress.cycle == user.cycle, LessonProgress.superseded_by == 0
    )
    completions = by_module(
        Completion, Completion.cycle == user.cycle, Completion.superseded_by == 0
    )
    reopens: dict[str, list[Reopened]] = {}
    for reopen in reopened_for(session, user_id=user_id):
        reopens.setdefault(reopen.module_id, []).append(reopen)
    attempts: dict[str, list[QuizAttempt]] = {}
    earlier: dict[str, list[QuizAttempt]] = {}
    for attempt in session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id)
        .order_by(col(QuizAttempt.submitted_at), col(QuizAttempt.id))
    ):
        current = attempt.cycle == user.cycle and attempt.superseded_by == 0
        mine = attempts if current else earlier
        mine.setdefault(attempt.module_id, []).append(attempt)
    asked = _asked(session, user_id)
    invite = session.exec(
        select(Invite).where(Invite.user_id == user_id).order_by(col(Invite.id).desc())
    ).first()
    recert = person_recert(session, user=user, module_ids=list(assignments), now=utcnow())
    cycle_start = recert.cycles[0].started_at if recert.cycles else None
    modules = []
    for module in catalog.modules:
        read = reads.get(module.id)
        done = completions.get(module.id)
        assignment = assignments.get(module.id)
        modules.append(
            ModuleRecord(
                module=module,
                assignment=assignment,
                assigned_at=_assigned_at(assignment, cycle_start),
                opened_at=read.opened_at if read else None,
                read_at=read.completed_at if read else None,
                attempts=attempts.get(module.id, []),
                completed_at=done.completed_at if done else None,
                asked={
                    row_id(a): [_title(module, sid) for sid in asked.get(row_id(a), [])]
                    for a in earlier.get(module.id, []) + attempts.get(module.id, [])
                },
                earlier=earlier.get(module.id, []),
                reopened=reopens.get(module.id, []),
            )
        )
    return PersonDetail(
        user=user,
        department=department.name if department else NO_DEPARTMENT,
        manager=manager,
        modules=modules,
        invite=invite,
        recert=recert,
        sessions=attended(session, catalog, user_id=user_id),
    )


def _assigned_at(assignment: Assignment | None, cycle_start: datetime | None) -> datetime | None:
    return None if assignment is None else assigned_in_cycle(assignment.created_at, cycle_start)


def _asked(session: Session, user_id: int) -> dict[int, list[str]]:
    """Each attempt's scenarios, as asked: an attempt answers every scenario it draws."""
    rows = session.exec(
        select(AttemptAnswer.attempt_id, AttemptAnswer.scenario_id)
        .join(QuizAttempt, col(QuizAttempt.id) == AttemptAnswer.attempt_id)
        .where(QuizAttempt.user_id == user_id)
        .order_by(col(AttemptAnswer.id))
    )
    asked: dict[int, list[str]] = {}
    for attempt_id, scenario_id in rows:
        asked.setdefault(attempt_id, []).append(scenario_id)
    return asked


def _title(module: Module, scenario_id: str) -> str:
    scenario = module.quiz.scenario(scenario_id)
    return scenario.title if scenario else f"{scenario_id} (no longer in the quiz)"


def change_role(session: Session, *, actor: AnyUser, user_id: int, role: str) -> User:
    """Give a person another role (admins only, enforced by the route); audited."""
    if role not in Role.__members__:
        raise Invalid(f"“{role}” is not a role; use one of: {', '.join(Role.__members__)}.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no person with that id.")
    if user.id == actor.id:
        raise Invalid("You cannot change your own role; ask another admin.")
    if user.role != role:
        audit.record(
            session,
            actor_id=actor.id,
            action="user.role_change",
            target=user.email,
            old=user.role,
            new=role,
            via="web",
        )
        user.role = role
        session.add(user)
        session.commit()
    return user


def set_active(session: Session, *, actor: AnyUser, user_id: int, active: bool) -> User:
    """Deactivate a leaver (records stay, sign-ins end) or reactivate a returner; audited."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no person with that id.")
    if user.id == actor.id:
        raise Invalid("You cannot deactivate your own account.")
    if user.role in (Role.admin, Role.hr) and actor.role != Role.admin:
        raise Forbidden(f"Only an admin can deactivate or reactivate an {user.role} account.")
    if user.active != active:
        user.active = active
        user.deactivated_at = None if active else utcnow()
        session.add(user)
        if not active:
            deactivated(session, user_ids=[user_id])
        audit.record(
            session,
            actor_id=actor.id,
            action="user.reactivate" if active else "user.deactivate",
            target=user.email,
            user_ids=[user_id],
            before={"active": not active},
            after={"active": active},
            via="person page",
        )
        session.commit()
    return user
