"""Recording events in the caller's transaction, numbered in the order transactions commit.

On PostgreSQL a sequence value is handed out when a row is inserted, not when its
transaction commits: a transaction that took number 5 may commit after the one that took
6, and a reader that saw 6 and moved past it would never see 5. So every transaction that
records events first takes one transaction-scoped advisory lock (app.db.lock_for_transaction)
and holds it to its end: numbers are taken and committed one transaction at a time, so a
reader that sees number n has already been able to see every number below it. SQLite
needs nothing more: it has one writer at a time. Callers record events as the last write
before they commit, which keeps the lock short and the chance of a lock cycle small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from app.clock import utcnow
from app.db import chunks, id_in, insert_ignore, lock_for_transaction
from app.models import Event, User

EVENTS_LOCK = 0x616C6C795F657674  # "ally_evt": the one lock every event-writing transaction takes

# What each kind's payload may hold besides the person. An allow-list, so nothing private
# (reflections, answers, live-session votes) can ever be added to a payload by accident.
KINDS: dict[str, frozenset[str]] = {
    "assignment.created": frozenset({"module_id", "due_at", "source"}),
    "assignment.removed": frozenset({"module_id"}),
    "assignment.overdue": frozenset({"module_id", "due_at", "cycle"}),
    "module.completed": frozenset({"module_id", "completed_at", "via", "cycle", "score"}),
    "certificate.issued": frozenset({"code", "issued_at", "cycle"}),
    "person.deactivated": frozenset({"deactivated_at"}),
}


@dataclass(frozen=True)
class NewEvent:
    """One event to record: what it is about (`subject`, e.g. "assignment/12"), whose it is."""

    subject: str
    person_id: int | None
    data: Mapping[str, Any] = field(default_factory=dict)
    once_key: str | None = None


def record_event(
    session: Session,
    kind: str,
    subject: str,
    data: Mapping[str, Any],
    *,
    person_id: int | None = None,
    once_key: str | None = None,
) -> None:
    """Record one event in the session's transaction (kept only if the caller commits)."""
    record_events(session, kind, [NewEvent(subject, person_id, data, once_key)])


def record_events(session: Session, kind: str, events: Sequence[NewEvent]) -> None:
    """Record many events of one kind at once; an event whose once_key was used is skipped."""
    if not events:
        return
    allowed = KINDS.get(kind)
    if allowed is None:
        raise ValueError(f"unknown event kind {kind!r}; add it to app.events.record.KINDS")
    for event in events:
        if extra := set(event.data) - allowed:
            raise ValueError(f"{kind} payloads may not carry {sorted(extra)}")
    people = _people(session, [e.person_id for e in events if e.person_id is not None])
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "subject": event.subject[:80],
            "occurred_at": now,
            "data": _json(
                dict(event.data)
                | ({"person": people.get(event.person_id)} if event.person_id else {})
            ),
            "once_key": event.once_key,
        }
        for event in events
    ]
    session.flush()  # the caller's own pending rows first: the lock is the last thing taken
    lock_for_transaction(session, EVENTS_LOCK)
    for part in chunks(rows, 200):
        insert_ignore(session, Event, list(part), ["once_key"])


def _people(session: Session, ids: list[int]) -> dict[int, dict[str, str | None]]:
    """How an HR system knows each person: their external id and e-mail, as they are now."""
    if not ids:
        return {}
    # One statement however many people (a bulk action over 20,000 stays a fixed count).
    rows = session.exec(
        select(User.id, User.external_id, User.email).where(
            id_in(session, User.id, sorted(set(ids)))
        )
    )
    return {
        uid or 0: {"external_id": external_id, "email": email} for uid, external_id, email in rows
    }


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, default=_plain, sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into an event")
