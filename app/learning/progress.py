"""Learner progress: lesson reads, reflections, module status and completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.learning import certificates
from app.models import Assignment, Completion, LessonProgress, QuizAttempt, Reflection, User


class Status(StrEnum):
    not_started = "not started"
    in_progress = "in progress"
    passed = "passed"


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    read_at: datetime | None
    best_percent: int | None
    attempts: int
    quiz_passed: bool
    completed_at: datetime | None
    due_at: datetime | None

    @property
    def status(self) -> Status:
        if self.completed_at:
            return Status.passed
        if self.read_at or self.attempts:
            return Status.in_progress
        return Status.not_started

    @property
    def overdue(self) -> bool:
        return bool(self.due_at and not self.completed_at and self.due_at < utcnow())

    @property
    def next_step(self) -> str:
        """Where "continue" should take the learner for this module."""
        return "quiz" if self.read_at else "lesson"


def _progress_statement() -> CompoundSelect:
    """All four sources of a learner's status in one round trip, built (and compiled) once.

    Rows are (kind, module_id, at, best_percent, attempts, passed); the first SELECT gives
    the column types, so `at` comes back as an aware UTC datetime for every kind.
    """
    user_id = bindparam("user_id")
    no_int = cast(null(), Integer)
    return union_all(
        select(
            literal("read"),
            col(LessonProgress.module_id),
            col(LessonProgress.completed_at),
            no_int,
            no_int,
            no_int,
        ).where(LessonProgress.user_id == user_id),
        select(
            literal("quiz"),
            col(QuizAttempt.module_id),
            null(),
            func.max(QuizAttempt.percent),
            func.count(),
            func.max(case((col(QuizAttempt.passed), 1), else_=0)),
        )
        .where(QuizAttempt.user_id == user_id)
        .group_by(col(QuizAttempt.module_id)),
        select(
            literal("done"),
            col(Completion.module_id),
            col(Completion.completed_at),
            no_int,
            no_int,
            no_int,
        ).where(Completion.user_id == user_id),
        select(
            literal("due"),
            col(Assignment.module_id),
            col(Assignment.due_at),
            no_int,
            no_int,
            no_int,
        ).where(Assignment.user_id == user_id),
    )


_PROGRESS = _progress_statement()


def learner_progress(session: Session, catalog: Catalog, user_id: int) -> list[ModuleProgress]:
    """Every module in order with this learner's status, from one query."""
    found: dict[str, dict[str, Any]] = {"read": {}, "quiz": {}, "done": {}, "due": {}}
    for kind, module_id, at, best, count, passed in session.exec(
        _PROGRESS, params={"user_id": user_id}
    ):
        found[kind][module_id] = (best, count, passed) if kind == "quiz" else at
    reads, attempts, completions, dues = found["read"], found["quiz"], found["done"], found["due"]
    out = []
    for module in catalog.modules:
        best, count, passed = attempts.get(module.id, (None, 0, False))
        out.append(
            ModuleProgress(
                module=module,
                read_at=reads.get(module.id),
                best_percent=best,
                attempts=count,
                quiz_passed=bool(passed),
                completed_at=completions.get(module.id),
                due_at=dues.get(module.id),
            )
        )
    return out


def continue_with(progress: list[ModuleProgress]) -> ModuleProgress | None:
    """The module to resume: the first unfinished one in course order."""
    return next((p for p in progress if p.status is not Status.passed), None)


def overall_percent(progress: list[ModuleProgress]) -> int:
    done = sum(1 for p in progress if p.status is Status.passed)
    return (100 * done) // len(progress) if progress else 0


def mark_read(
    session: Session, catalog: Catalog, *, user: User, module_id: str, via: str = "self-paced"
) -> None:
    """Record the lesson as read (idempotent) and complete the module if its quiz is passed."""
    row = session.exec(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.module_id == module_id
        )
    ).first()
    now = utcnow()
    if row is None:
        row = LessonProgress(
            user_id=user.id or 0, module_id=module_id, opened_at=now, completed_at=now, via=via
        )
    elif row.completed_at is None:
        row.completed_at, row.via = now, via
    session.add(row)
    session.flush()
    if record_completion_if_done(session, user_id=user.id or 0, module_id=module_id, via=via):
        certificates.issue_if_course_complete(session, catalog, user_id=user.id or 0)
    session.commit()


def _completion_state_statement() -> Select:  # type: ignore[type-arg]
    """(lesson read, a passed attempt, already complete) for one learner and module."""
    user_id, module_id = bindparam("user_id"), bindparam("module_id")
    return select(
        exists().where(
            LessonProgress.user_id == user_id,
            LessonProgress.module_id == module_id,
            col(LessonProgress.completed_at).is_not(None),
        ),
        exists().where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.module_id == module_id,
            col(QuizAttempt.passed),
        ),
        exists().where(Completion.user_id == user_id, Completion.module_id == module_id),
    )


# One round trip of EXISTS probes: `.first()` on an ORM select fetched every passed
# attempt of the learner, which grew with each retake (bench/NOTES.md).
_COMPLETION_STATE = _completion_state_statement()


def record_completion_if_done(session: Session, *, user_id: int, module_id: str, via: str) -> bool:
    """Insert the Completion once both halves are done; safe against concurrent calls."""
    read, passed, complete = session.exec(
        _COMPLETION_STATE, params={"user_id": user_id, "module_id": module_id}
    ).one()
    if not read or not passed or complete:
        return False
    try:
        with session.begin_nested():
            session.add(Completion(user_id=user_id, module_id=module_id, via=via))
    except IntegrityError:
        return False
    return True


_REFLECTION = select(Reflection).where(
    Reflection.user_id == bindparam("user_id"), Reflection.module_id == bindparam("module_id")
)


def get_reflection(session: Session, *, user_id: int, module_id: str) -> Reflection | None:
    return session.exec(_REFLECTION, params={"user_id": user_id, "module_id": module_id}).first()


REFLECTION_MAX = 10_000


def save_reflection(session: Session, *, user: User, module_id: str, text: str) -> Reflection:
    """Save the author's private reflection (one per module, edited in place by its author)."""
    text = text.strip()[:REFLECTION_MAX]
    row = get_reflection(session, user_id=user.id or 0, module_id=module_id)
    if row is None:
        row = Reflection(user_id=user.id or 0, module_id=module_id, text=text)
    row.text, row.updated_at = text, utcnow()
    session.add(row)
    if (
        session.exec(
            select(LessonProgress).where(
                LessonProgress.user_id == user.id, LessonProgress.module_id == module_id
            )
        ).first()
        is None
    ):
        session.add(LessonProgress(user_id=user.id or 0, module_id=module_id))
    session.commit()
    session.refresh(row)
    return row
