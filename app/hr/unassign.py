"""Taking an assignment away, keeping its history; moving one person's due date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.db import chunks
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
    removed = unassign_many(
        session, people=[user], module_ids=[module_id], actor_id=actor_id, via=via
    )
    if not removed:
        return None
    session.commit()
    session.refresh(removed[0])
    return removed[0]


def unassign_many(
    session: Session,
    *,
    people: Sequence[User],
    module_ids: Sequence[str],
    actor_id: int | None,
    via: str,
) -> list[RemovedAssignment]:
    """Remove every assignment of `module_ids` the `people` have, in the caller's transaction
    (no commit): each goes to `removedassignment`, is audited with its old due date and gets
    an `assignment.removed` event. Pairs not assigned are skipped; returns the rows removed."""
    modules = sorted(set(module_ids))
    found: list[Assignment] = []
    for part in chunks(sorted({row_id(u) for u in people})):
        found += session.exec(
            select(Assignment)
            .where(col(Assignment.user_id).in_(part), col(Assignment.module_id).in_(modules))
            .order_by(col(Assignment.id))
            .with_for_update()
        ).all()
    email = {row_id(u): u.email for u in people}
    now = utcnow()
    removed: list[RemovedAssignment] = []
    for row in found:
        removed.append(
            RemovedAssignment(
                user_id=row.user_id,
                module_id=row.module_id,
                due_at=row.due_at,
                assigned_at=row.created_at,
                assigned_by_id=row.assigned_by_id,
                source=row.source,
                removed_at=now,
                removed_by_id=actor_id,
                removed_via=via[:120],
            )
        )
        audit.record(
            session,
            actor_id=actor_id,
            action="assignment.remove",
            target=email[row.user_id],
            module=row.module_id,
            via=via,
            due={"old": row.due_at, "new": None},
            assigned_at=row.created_at,
        )
    session.add_all(removed)
    for ids in chunks([row_id(row) for row in found]):
        session.execute(delete(Assignment).where(col(Assignment.id).in_(ids)))
    record_removed(session, [(row_id(r), r.user_id, r.module_id) for r in found])  # last write
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
