"""Learner progress: lesson reads, reflections, module status and completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.content.catalog import Catalog
from app.content.schema import Module
from app.db import (
    RawQuery,
    Source,
    bind_values,
    columns_of,
    fetch_all,
    fetch_one,
    in_transaction,
    row_of,
    select_list,
    utc,
)
from app.events import record_event
from app.learning import certificates
from app.models import Completion, LessonProgress, Reflection, row_id
from app.recert.cycles import current_cycle

# The person's current cycle, inside a statement about them (parameter :user_id).
THIS_CYCLE = '(SELECT u.cycle FROM "user" u WHERE u.id = :user_id)'


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
    completed_at: datetime | None
    due_at: datetime | None
    unread_notes: int = 0  # "what changed" notes of content releases (the dashboard only)

    @property
    def status(self) -> Status:
        if self.completed_at:
            return Status.passed
        if self.read_at or self.attempts:
            return Status.in_progress
        return Status.not_started

    def overdue_at(self, now: datetime) -> bool:
        return bool(self.due_at and not self.completed_at and self.due_at < now)

    @property
    def next_step(self) -> str:
        """Where "continue" should take the learner for this module."""
        return "quiz" if self.read_at else "lesson"


def _progress_query(one_module: bool) -> RawQuery:
    """All sources of a learner's status in one round trip.

    Rows are (kind, module_id, at, best_percent, attempts). Plain SQL: through the
    ORM this read cost several times the query itself (bench/NOTES.md).
    """
    due = " AND module_id = :module_id" if one_module else ""
    # Only the person's current recertification cycle (earlier cycles are history), and
    # rows a content release has not superseded (app/learning/releases.py).
    only = f"{due} AND cycle = {THIS_CYCLE} AND superseded_by = 0"
    # The dashboard also learns whether a release left an unread "what changed" note, so it
    # reads the notes only then (app/learning/reopened.py).
    notes = (
        ""
        if one_module
        else f"""
        UNION ALL
        SELECT 'note', module_id, NULL, COUNT(*), NULL
          FROM modulereopen WHERE user_id = :user_id AND note_read_at IS NULL
           AND cycle = {THIS_CYCLE} GROUP BY module_id"""
    )
    return RawQuery.of(
        f"""
        SELECT 'read', module_id, completed_at, NULL, NULL
          FROM lessonprogress WHERE user_id = :user_id{only}
        UNION ALL
        SELECT 'quiz', module_id, NULL, MAX(percent), COUNT(*)
          FROM quizattempt WHERE user_id = :user_id{only} GROUP BY module_id
        UNION ALL
        SELECT 'done', module_id, completed_at, NULL, NULL
          FROM completion WHERE user_id = :user_id{only}
        UNION ALL
        SELECT 'due', module_id, due_at, NULL, NULL
          FROM assignment WHERE user_id = :user_id{due}{notes}
        """
    )


_PROGRESS = _progress_query(one_module=False)
_MODULE_PROGRESS = _progress_query(one_module=True)


def learner_progress(source: Source, catalog: Catalog, user_id: int) -> list[ModuleProgress]:
    """Every module in order with this learner's status, from one query."""
    found = _progress_rows(source, _PROGRESS, {"user_id": user_id})
    return [_module_progress(module, found) for module in catalog.modules]


def module_progress(source: Source, module: Module, user_id: int) -> ModuleProgress:
    """One module's status for this learner (the lesson and result pages)."""
    found = _progress_rows(source, _MODULE_PROGRESS, {"user_id": user_id, "module_id": module.id})
    return _module_progress(module, found)


def _progress_rows(
    source: Source, query: RawQuery, params: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {"read": {}, "quiz": {}, "done": {}, "due": {}, "note": {}}
    for kind, module_id, at, best, count in fetch_all(source, query, params):
        if kind == "note":
            found[kind][module_id] = int(best)
        else:
            found[kind][module_id] = (best, count) if kind == "quiz" else utc(at)
    return found


def _module_progress(module: Module, found: dict[str, dict[str, Any]]) -> ModuleProgress:
    best, count = found["quiz"].get(module.id, (None, 0))
    return ModuleProgress(
        module=module,
        read_at=found["read"].get(module.id),
        best_percent=best,
        attempts=count,
        completed_at=found["done"].get(module.id),
        due_at=found["due"].get(module.id),
        unread_notes=found["note"].get(module.id, 0),
    )


@dataclass(frozen=True)
class CourseState:
    """A learner's whole course at a glance (the dashboard), worked out once from the rows."""

    rows: list[ModuleProgress]
    resume: ModuleProgress | None  # the first unfinished module in course order
    done: int
    started: bool

    @classmethod
    def of(cls, rows: list[ModuleProgress]) -> CourseState:
        unfinished = [row for row in rows if row.status is not Status.passed]
        return cls(
            rows=rows,
            resume=unfinished[0] if unfinished else None,
            done=len(rows) - len(unfinished),
            started=any(row.status is not Status.not_started for row in rows),
        )

    @property
    def overall(self) -> int:
        return (100 * self.done) // len(self.rows) if self.rows else 0


def mark_read(
    session: Session, catalog: Catalog, *, user: AnyUser, module_id: str, via: str = "self-paced"
) -> None:
    """Record the lesson as read (idempotent) and complete the module if its quiz is passed."""
    cycle = current_cycle(session, user_id=row_id(user))
    row = _lesson_read(session, row_id(user), module_id, cycle)
    now = utcnow()
    if row is None:
        row = LessonProgress(
            user_id=row_id(user),
            module_id=module_id,
            opened_at=now,
            completed_at=now,
            via=via,
            cycle=cycle,
        )
    elif row.completed_at is None:
        row.completed_at, row.via = now, via
    session.add(row)
    session.flush()
    if record_completion_if_done(session, user_id=row_id(user), module_id=module_id, via=via):
        certificates.issue_if_course_complete(session, catalog, user_id=row_id(user))
    session.commit()


def _lesson_read(
    session: Session, user_id: int, module_id: str, cycle: int
) -> LessonProgress | None:
    return session.exec(
        select(LessonProgress).where(
            LessonProgress.user_id == user_id,
            LessonProgress.module_id == module_id,
            LessonProgress.cycle == cycle,
            LessonProgress.superseded_by == 0,
        )
    ).first()


# The module is complete once its lesson is read and a quiz attempt passed in the person's
# current cycle; the unique (user, module, cycle) key keeps it to one row even if two workers race. One conditional insert
# instead of a read and then a write (the quiz's write lock is held for it, bench/NOTES.md).
_RECORD_COMPLETION = RawQuery.of(
    """
    INSERT INTO completion (user_id, module_id, completed_at, via, cycle)
    SELECT :user_id, :module_id, :completed_at, :via, u.cycle
      FROM "user" u
     WHERE u.id = :done_by
       AND EXISTS (SELECT 1 FROM lessonprogress
                    WHERE user_id = :done_by AND module_id = :done_in
                      AND completed_at IS NOT NULL AND cycle = u.cycle
                      AND superseded_by = 0)
       AND EXISTS (SELECT 1 FROM quizattempt
                    WHERE user_id = :done_by AND module_id = :done_in AND passed
                      AND cycle = u.cycle AND superseded_by = 0)
    ON CONFLICT DO NOTHING
    RETURNING id, cycle
    """
)
_BEST_SCORE = RawQuery.of(
    "SELECT MAX(percent) FROM quizattempt"
    " WHERE user_id = :user_id AND module_id = :module_id AND cycle = :cycle"
)


def record_completion_if_done(
    session: Session, *, user_id: int, module_id: str, via: str, at: datetime | None = None
) -> bool:
    """Insert the Completion once both halves are done, in the session's transaction.

    Returns whether this call recorded it (False when not done yet or already complete).
    """
    connection = in_transaction(session)
    completion = {
        "user_id": user_id,
        "module_id": module_id,
        "completed_at": at or utcnow(),
        "via": via,
    }
    params = bind_values(Completion, connection, completion)
    # Named apart from the inserted values: PostgreSQL types each parameter once.
    params |= {"done_by": user_id, "done_in": module_id}
    recorded = fetch_all(connection, _RECORD_COMPLETION, params)
    if not recorded:
        return False
    completion_id, cycle = recorded[0]
    best = fetch_one(
        connection, _BEST_SCORE, {"user_id": user_id, "module_id": module_id, "cycle": cycle}
    )
    record_event(
        session,
        "module.completed",
        f"completion/{completion_id}",
        {
            "module_id": module_id,
            "completed_at": completion["completed_at"],
            "via": via,
            "cycle": cycle,
            "score": best[0] if best else None,
        },
        person_id=user_id,
    )
    return True


@dataclass(frozen=True, slots=True)
class ReflectionRow:
    """A reflection as read for its author's page (the `reflection` table's columns)."""

    id: int
    user_id: int
    module_id: str
    text: str
    updated_at: datetime


_REFLECTION_COLUMNS = columns_of(Reflection)
_REFLECTION = RawQuery.of(
    f"SELECT {select_list(_REFLECTION_COLUMNS, 'r')} FROM reflection r"
    " WHERE r.user_id = :user_id AND r.module_id = :module_id"
)


def get_reflection(source: Source, *, user_id: int, module_id: str) -> ReflectionRow | None:
    """The learner's own reflection, read only (save_reflection loads it to edit)."""
    row = fetch_one(source, _REFLECTION, {"user_id": user_id, "module_id": module_id})
    return None if row is None else row_of(ReflectionRow, _REFLECTION_COLUMNS, row)


REFLECTION_MAX = 10_000


def save_reflection(session: Session, *, user: AnyUser, module_id: str, text: str) -> Reflection:
    """Save the author's private reflection (one per module, edited in place by its author)."""
    text = text.strip()[:REFLECTION_MAX]
    row = session.exec(
        select(Reflection).where(Reflection.user_id == user.id, Reflection.module_id == module_id)
    ).first()
    if row is None:
        row = Reflection(user_id=row_id(user), module_id=module_id, text=text)
    row.text, row.updated_at = text, utcnow()
    session.add(row)
    cycle = current_cycle(session, user_id=row_id(user))
    if _lesson_read(session, row_id(user), module_id, cycle) is None:
        session.add(LessonProgress(user_id=row_id(user), module_id=module_id, cycle=cycle))
    session.commit()
    session.refresh(row)
    return row
