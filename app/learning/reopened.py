"""Modules a content release reopened: the learner's "what changed" notes, and their history.

A note shows on the learner's dashboard while the module is to do again in the cycle it was
reopened in, until the learner hides it. Hiding is an update keyed by the note's id AND the
signed-in person's id, so a forged form naming someone else's note changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col

from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import RawQuery, Source, fetch_all, utc
from app.errors import NotFound
from app.learning.progress import ModuleProgress, Status
from app.models import ModuleReopen

_REOPENED = RawQuery.of(
    """
    SELECT r.id, r.module_id, r.cycle, cr.number, cr.note, r.reopened_at, r.note_read_at,
           c.completed_at
      FROM modulereopen r
      JOIN contentrelease cr ON cr.id = r.release_id
      LEFT JOIN completion c ON c.user_id = r.user_id AND c.module_id = r.module_id
                            AND c.cycle = r.cycle AND c.superseded_by = r.release_id
     WHERE r.user_id = :user_id
     ORDER BY r.id
    """
)
_NOTES = RawQuery.of(
    """
    SELECT r.id, r.module_id, cr.note, r.reopened_at
      FROM modulereopen r
      JOIN contentrelease cr ON cr.id = r.release_id
      JOIN "user" u ON u.id = r.user_id AND u.cycle = r.cycle
     WHERE r.user_id = :user_id AND r.note_read_at IS NULL
     ORDER BY r.id
    """
)


@dataclass(frozen=True)
class Reopened:
    """One module reopened for one person by one release (the HR person page's history)."""

    id: int
    module_id: str
    cycle: int
    release: int
    note: str
    reopened_at: datetime
    note_read_at: datetime | None
    earlier_completed_at: datetime | None  # the completion the release set aside


@dataclass(frozen=True)
class ChangeNote:
    """A "what changed" note on the learner's dashboard."""

    id: int
    module_id: str
    title: str
    note: str
    reopened_at: datetime


def reopened_for(source: Source, *, user_id: int) -> list[Reopened]:
    """Every module any release reopened for this person, oldest first (history for HR)."""
    return [
        Reopened(rid, mid, cycle, number, note, utc(at), utc(read), utc(done))  # type: ignore[arg-type]
        for rid, mid, cycle, number, note, at, read, done in fetch_all(
            source, _REOPENED, {"user_id": user_id}
        )
    ]


def change_notes(
    source: Source, catalog: Catalog, rows: list[ModuleProgress], *, user_id: int
) -> list[ChangeNote]:
    """Notes of modules reopened in the current cycle that are still to do and not hidden.

    `rows` (learner_progress) say which modules have unread notes. A module removed from
    the catalogue has no note: there is nothing left to take.
    """
    open_ = {row.module.id for row in rows if row.status is not Status.passed and row.unread_notes}
    if not open_:
        return []  # the common case: no query
    notes = []
    for rid, module_id, note, at in fetch_all(source, _NOTES, {"user_id": user_id}):
        module = catalog.get(module_id)
        if module is not None and module_id in open_:
            notes.append(ChangeNote(rid, module_id, module.title, note, utc(at)))  # type: ignore[arg-type]
    return notes


def hide_note(session: Session, *, user_id: int, note_id: int) -> None:
    """Hide one of the person's own notes (idempotent); anyone else's is NotFound. Commits."""
    hidden = session.exec(
        update(ModuleReopen)
        .where(col(ModuleReopen.id) == note_id, col(ModuleReopen.user_id) == user_id)
        .values(note_read_at=func.coalesce(col(ModuleReopen.note_read_at), utcnow()))
        .execution_options(synchronize_session=False)
    ).rowcount
    if hidden != 1:
        session.rollback()
        raise NotFound("There is no such note about a changed module. Go back to your dashboard.")
    session.commit()


_MUST_RETAKE = RawQuery.of(
    """
    SELECT r.module_id, COUNT(DISTINCT r.user_id)
      FROM modulereopen r
      JOIN "user" u ON u.id = r.user_id AND u.cycle = r.cycle AND u.active
     WHERE NOT EXISTS (SELECT 1 FROM completion c
                        WHERE c.user_id = r.user_id AND c.module_id = r.module_id
                          AND c.cycle = r.cycle AND c.superseded_by = 0)
     GROUP BY r.module_id
    """
)


def must_retake(source: Source, catalog: Catalog) -> list[tuple[str, int]]:
    """(module title, active people) who must take a module again because a release
    reopened it and have not yet, in course order (the HR overview)."""
    counts: dict[str, int] = {m: n for m, n in fetch_all(source, _MUST_RETAKE, {})}
    return [(m.title, counts[m.id]) for m in catalog.modules if counts.get(m.id)]
