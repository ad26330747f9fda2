"""API v1 assignments: read, assign, move the due date, unassign, and both in bulk."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import audit
from app.api import idempotency
from app.api.etags import check_if_match
from app.api.schemas import (
    AssignmentIn,
    AssignmentOut,
    BulkAssignIn,
    BulkAssignOut,
    BulkUnassignIn,
    BulkUnassignOut,
    BulkUnassignPerson,
)
from app.api.service import assignments_of, person
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.db import chunks
from app.errors import Conflict, Invalid, NotFound
from app.hr import assignments as hr_assignments
from app.hr import unassign
from app.hr.due import due_problem
from app.models import ApiKey, User, row_id


def list_for(session: Session, *, external_id: str) -> list[AssignmentOut]:
    return assignments_of(session, person(session, external_id), now=utcnow())


def one(session: Session, *, external_id: str, module_id: str) -> AssignmentOut | None:
    """The assignment, or None if the person (who exists) does not have that module."""
    found = assignments_of(session, person(session, external_id), now=utcnow(), module_id=module_id)
    return found[0] if found else None


def _one_or_404(session: Session, external_id: str, module_id: str) -> AssignmentOut:
    found = one(session, external_id=external_id, module_id=module_id)
    if found is None:
        raise NotFound(f"“{external_id.strip()}” has no assignment of the module “{module_id}”.")
    return found


def _due_day(due_at: datetime | None, pointer: str) -> date | None:
    if due_at is None:
        return None
    if due_at.tzinfo is None:
        said = "Include a time zone, for example 2027-01-31T23:59:59Z."
        raise Invalid(f"due_at: {said}", fields={pointer: said})
    day = due_at.date()
    if said := due_problem(day, utcnow().date()):
        raise Invalid(f"due_at: {said}", fields={pointer: said})
    return day


def put_one(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    key: ApiKey,
    external_id: str,
    module_id: str,
    body: AssignmentIn,
    if_match: str | None,
) -> tuple[AssignmentOut, bool]:
    """Assign one module (201) or, when it is assigned already, move its due date (200)."""
    user = person(session, external_id)
    if catalog.get(module_id) is None:
        raise NotFound(f"There is no module “{module_id}”; GET /api/v1/modules lists them.")
    current = one(session, external_id=external_id, module_id=module_id)
    check_if_match(if_match, current)
    due = _due_day(body.due_at, "#/due_at")
    via = f"api:{key.name}"
    if current is not None:
        if due is not None:
            unassign.move_due(
                session, user=user, module_id=module_id, due=due, actor_id=None, via=via
            )
        return _one_or_404(session, external_id, module_id), False
    if not user.active:
        raise Conflict(
            f"“{external_id.strip()}” is deactivated (a leaver); re-activate them with "
            '"active": true before assigning.'
        )
    hr_assignments.assign(
        session,
        catalog,
        actor_id=None,
        module_ids=[module_id],
        department_ids=[],
        emails=[user.email],
        due=due,
        default_due_days=settings.default_due_days,
        commit=False,
    )
    audit.record(
        session,
        actor_id=None,
        action="api.assignment_create",
        target=user.email,
        key=key.name,
        module=module_id,
        due={"old": None, "new": due},
    )
    session.commit()
    session.expire_all()  # a new cycle was started in SQL: read the person again
    return _one_or_404(session, external_id, module_id), True


def remove_one(
    session: Session, *, key: ApiKey, external_id: str, module_id: str, if_match: str | None
) -> None:
    """Unassign; the assignment's history is kept (app/hr/unassign.py)."""
    user = person(session, external_id)
    current = _one_or_404(session, external_id, module_id)
    check_if_match(if_match, current)
    unassign.unassign(session, user=user, module_id=module_id, actor_id=None, via=f"api:{key.name}")


def bulk(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    key: ApiKey,
    body: BulkAssignIn,
    idempotency_key: str,
) -> tuple[int, str, bool]:
    """Assign modules to many people in one transaction; a repeated key replays its answer.

    Returns (status, JSON text, replayed): the replay is the first answer byte for byte."""
    api_key_id = row_id(key)
    replay = idempotency.claim(session, api_key_id=api_key_id, key=idempotency_key, body=body)
    if replay is not None:
        return replay.status_code, replay.body, True
    fields = _unknown_modules(catalog, body.module_ids)
    people = _people(session, body.external_ids, fields)
    try:
        due = _due_day(body.due_at, "#/due_at")
    except Invalid as exc:
        fields.update(exc.fields)
        due = None
    _refuse(fields)
    result = hr_assignments.assign(
        session,
        catalog,
        actor_id=None,
        module_ids=list(dict.fromkeys(body.module_ids)),
        department_ids=[],
        emails=[u.email for u in people],
        due=due,
        default_due_days=settings.default_due_days,
        commit=False,
    )
    answer = BulkAssignOut(
        people=result.people,
        created=result.created,
        already=result.already,
        cycles=result.cycles,
        due_at=result.due_at,
    )
    audit.record(
        session,
        actor_id=None,
        action="api.assignment_bulk",
        target=", ".join(body.module_ids),
        key=key.name,
        idempotency_key=idempotency_key,
        people=result.people,
        created=result.created,
        due={"old": None, "new": result.due_at},
    )
    idempotency.store(
        session, api_key_id=api_key_id, key=idempotency_key, status_code=200, answer=answer
    )
    session.commit()
    return 200, answer.model_dump_json(), False


def bulk_remove(
    session: Session,
    catalog: Catalog,
    *,
    key: ApiKey,
    body: BulkUnassignIn,
    idempotency_key: str,
) -> tuple[int, str, bool]:
    """Unassign modules from many people in one transaction, keeping history; a repeated key
    replays its answer. Pairs not assigned are skipped and reported per person; unknown
    people or modules refuse the whole request. Returns (status, JSON text, replayed)."""
    api_key_id = row_id(key)
    replay = idempotency.claim(
        session, api_key_id=api_key_id, key=idempotency_key, body=body, purpose="bulk-remove"
    )
    if replay is not None:
        return replay.status_code, replay.body, True
    fields = _unknown_modules(catalog, body.module_ids)
    people = _people(session, body.external_ids, fields, leavers=True)
    _refuse(fields)
    modules = list(dict.fromkeys(body.module_ids))
    removed = unassign.unassign_many(
        session, people=people, module_ids=modules, actor_id=None, via=f"api:{key.name}"
    )
    gone = {(r.user_id, r.module_id) for r in removed}
    results = [
        BulkUnassignPerson(
            external_id=u.external_id or "",
            removed=[m for m in modules if (row_id(u), m) in gone],
            not_assigned=[m for m in modules if (row_id(u), m) not in gone],
        )
        for u in people
    ]
    answer = BulkUnassignOut(
        people=len(people),
        removed=len(removed),
        not_assigned=len(people) * len(modules) - len(removed),
        results=results,
    )
    audit.record(
        session,
        actor_id=None,
        action="api.assignment_bulk_remove",
        target=", ".join(modules),
        key=key.name,
        idempotency_key=idempotency_key,
        people=answer.people,
        removed=answer.removed,
        not_assigned=answer.not_assigned,
    )
    idempotency.store(
        session, api_key_id=api_key_id, key=idempotency_key, status_code=200, answer=answer
    )
    session.commit()
    return 200, answer.model_dump_json(), False


def _unknown_modules(catalog: Catalog, module_ids: list[str]) -> dict[str, str]:
    """A pointer per module id the catalogue does not have."""
    return {
        f"#/module_ids/{i}": f"There is no module “{m}”; GET /api/v1/modules."
        for i, m in enumerate(module_ids)
        if catalog.get(m) is None
    }


def _refuse(fields: dict[str, str]) -> None:
    """422 naming every bad item by its pointer, if there is any."""
    if fields:
        said = " ".join(f"{where.removeprefix('#/')}: {text}" for where, text in fields.items())
        raise Invalid(said, fields=fields)


def _people(
    session: Session, external_ids: list[str], fields: dict[str, str], *, leavers: bool = False
) -> list[User]:
    """The people named, each once; a pointer per unknown id, and per deactivated one
    unless `leavers` (their assignments can still be taken away)."""
    wanted = [e.strip() for e in external_ids]
    found: dict[str, User] = {}
    for part in chunks(sorted({w.lower() for w in wanted})):
        for u in session.exec(select(User).where(func.lower(col(User.external_id)).in_(part))):
            found[(u.external_id or "").lower()] = u
    people: dict[int, User] = {}
    for i, ext in enumerate(wanted):
        user = found.get(ext.lower())
        if user is None:
            fields[f"#/external_ids/{i}"] = f"No person has the external id “{ext}”."
        elif not user.active and not leavers:
            fields[f"#/external_ids/{i}"] = f"“{ext}” is deactivated (a leaver)."
        else:
            people[row_id(user)] = user
    return list(people.values())
