"""Recertification cycles: a new cycle reopens every module; earlier cycles' rows stay.

A person's current cycle is `user.cycle`; lesson reads, attempts, completions and
certificates carry the cycle they belong to, and the learner's pages read only the current
one. Only HR (assigning again) or the reminder run (at expiry) starts a cycle; a learner
cannot. Starting is a conditional UPDATE from the cycle the caller saw, plus a RecertCycle
row under a unique (person, number) key, so two starts at once make one cycle, not two.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col

from app.clock import utcnow
from app.db import RawQuery, Source, fetch_one, insert_ignore
from app.models import RecertCycle, User

_CYCLE = RawQuery.of('SELECT cycle FROM "user" WHERE id = :user_id')
# The current cycle inside a statement about one person (parameter :cycle_of).
CURRENT = '(SELECT u.cycle FROM "user" u WHERE u.id = :cycle_of)'


def current_cycle(source: Source, *, user_id: int) -> int:
    row = fetch_one(source, _CYCLE, {"user_id": user_id})
    return int(row[0]) if row else 1


def start_cycle(
    session: Session, *, user_id: int, seen: int, actor_id: int | None, due_on: date | None
) -> bool:
    """Move the person from cycle `seen` to the next one, in the caller's transaction.

    Returns False when someone else already moved them on (the caller's view was stale).
    """
    moved = session.exec(
        update(User)
        .where(col(User.id) == user_id, col(User.cycle) == seen)
        .values(cycle=seen + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    row = {
        "user_id": user_id,
        "number": seen + 1,
        "started_at": utcnow(),
        "started_by_id": actor_id,
        "due_on": due_on,
    }
    insert_ignore(session, RecertCycle, [row], ["user_id", "number"])
    return True
