"""Taking an assignment away, keeping its history; moving one person's due date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.errors import Invalid
from app.hr.assignments import record_removed
from app.hr.due import due_problem, end_of_day
from app.models import Assignment, RemovedAssignment, User, row_id


def unassign(
    session: Session, *, user: User, module_id: str, actor_id: int | None, via: str
) -> RemovedAssignment | None:
    """Remove one assignment; the row goes to `removedassignment` with who and when.

    Lesson reads, quiz attempts, completions and certificates stay as they are; assigning
    the module again later follows the usual rules (a finished course starts a new cycle).
    Returns None when the person did not have the module (nothing to do, nothing audited).
    """
    found = session.exec(
        select(Assignment)
        .where(Assignment.user_id == user.id, Assignment.module_id == module_id)
        .with_for_update()
    ).first()
    if found is None:
        return None
    removed = RemovedAssignment(
        user_id=found.user_id,
        module_id=found.module_id,
        due_at=found.due_at,
        assigned_at=found.created_at,
        assigned_by_id=found.assigned_by_id,
        source=found.source,
        removed_at=utcnow(),
        removed_by_id=actor_id,
        removed_via=via[:120],
    )
    session.add(removed)
    session.execute(delete(Assignment).where(col(Assignment.id) == found.id))
    audit.record(
        session,
        actor_id=actor_id,
        action="assignment.remove",
        target=user.email,
        module=module_id,
        via=via,
        due={"old": found.due_at, "new": None},
        assigned_at=found.created_at,
    )
    record_removed(session, [(row_id(found), found.user_id, found.module_id)])  # last write
    session.commit()
    session.refresh(removed)
    return removed


def move_due(
    session: Session, *, user: User, module_id: str, due: date, actor_id: int | None, via: str
) -> bool:
    """Give one assignment a new due date (end of that day, UTC); False if it does not exist."""
    if problem := due_problem(due, utcnow().date()):
        raise Invalid(f"due_at: {problem}")
    found = session.exec(
        select(Assignment).where(Assignment.user_id == user.id, Assignment.module_id == module_id)
    ).first()
    if found is None:
        return False
    new = end_of_day(due)
    if found.due_at != new:
        audit.record(
            session,
            actor_id=actor_id,
            action="assignment.due_change",
            target=user.email,
            module=module_id,
            via=via,
            due={"old": found.due_at, "new": new},
        )
        found.due_at = new
        session.add(found)
        session.commit()
    return True


def removed_for(session: Session, *, user_id: int) -> list[RemovedAssignment]:
    """The person's removed assignments, newest first (their page shows them as history)."""
    return list(
        session.exec(
            select(RemovedAssignment)
            .where(RemovedAssignment.user_id == user_id)
            .order_by(col(RemovedAssignment.removed_at).desc(), col(RemovedAssignment.id).desc())
        )
    )
