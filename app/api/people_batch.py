"""API v1 people in a batch: all or nothing, managers resolved within the batch in any order."""

from __future__ import annotations

from sqlmodel import Session

from app import audit
from app.api import external_ids
from app.api.people_write import manager_of, put_person
from app.api.schemas import BatchPersonIn, BatchResult, PeopleBatchIn, PeopleBatchOut, PersonIn
from app.config import Settings
from app.errors import DomainError, Invalid
from app.models import ApiKey, User

MANAGER_FIELDS = {"manager_email", "manager_external_id"}


def put_people(
    session: Session, settings: Settings, *, key: ApiKey, body: PeopleBatchIn
) -> PeopleBatchOut:
    """Everyone first without managers, then every manager, each checked for loops against
    the batch as written so far; any problem refuses the whole batch, naming the item."""
    results: list[BatchResult] = []
    index = 0
    try:
        seen: dict[str, int] = {}
        for index, item in enumerate(body.people):
            folded = item.external_id.strip().lower()
            if folded in seen:
                said = f"the external id {item.external_id} is also item {seen[folded]}."
                raise Invalid(said, fields={"#/external_id": said})
            seen[folded] = index
        for index, item in enumerate(body.people):
            fields = item.model_fields_set - MANAGER_FIELDS - {"external_id"}
            plain = PersonIn.model_validate(item.model_dump(include=fields | {"email", "name"}))
            person, created = put_person(
                session,
                settings,
                key=key,
                external_id=item.external_id,
                body=plain,
                commit=False,
                where=f"/people/{index}",
            )
            results.append(BatchResult(external_id=person.external_id, created=created))
        for index, item in enumerate(body.people):
            if item.model_fields_set & MANAGER_FIELDS:
                _set_manager(session, key, item, where=f"/people/{index}")
    except DomainError as exc:
        session.rollback()
        raise _at_item(exc, index) from exc
    session.commit()
    made = sum(r.created for r in results)
    return PeopleBatchOut(created=made, updated=len(results) - made, people=results)


def _set_manager(session: Session, key: ApiKey, item: BatchPersonIn, *, where: str) -> None:
    user = external_ids.find(session, item.external_id)
    if user is None:  # written by the first pass, in this transaction
        raise Invalid("external_id: not found after the first pass.")
    old = session.get(User, user.manager_id) if user.manager_id else None
    manager_id = manager_of(session, item, user.email, user, where=where)
    if manager_id != user.manager_id:
        user.manager_id = manager_id
        session.add(user)
        session.flush()
        new = session.get(User, manager_id) if manager_id else None
        audit.record(
            session,
            actor_id=None,
            action="api.person_update",
            target=user.email,
            key=key.name,
            external_id=user.external_id,
            changes={
                "manager": {
                    "old": (old.external_id or old.email) if old else None,
                    "new": (new.external_id or new.email) if new else None,
                }
            },
        )


def _at_item(exc: DomainError, index: int) -> DomainError:
    """The same error, its message and pointers placed at the batch item it is about."""
    prefix = f"#/people/{index}"
    fields = {
        (where if where.startswith(prefix) else prefix + where.lstrip("#"))
        if where.startswith("#")
        else f"{prefix}/external_id": text
        for where, text in exc.fields.items()
    } or {prefix: exc.message}
    found = DomainError(f"people[{index}]: {exc.message}", headers=exc.headers, fields=fields)
    found.status_code = exc.status_code
    return found
