"""Creating, replacing, patching and deactivating people over SCIM, by the rules HR uses.

The rules are the shared ones: app/hr/account_changes.py (hr and admin accounts keep their
e-mail and active state; leavers lose every sign-in and open link; an e-mail change signs the
person out and tells the old address), app/hr/managers.py (no management loops, checked
under one lock), app/hr/assignments.apply_rules and the API's department lookup. SCIM never
gives a role: new people are learners, and roles are given in the app. Only an explicit
`active: true` reactivates; DELETE deactivates and keeps every record.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Context
from sqlmodel import Session, select

from app import audit
from app.api.people_write import department_id
from app.auth import invites
from app.clock import utcnow
from app.config import Settings
from app.hr import assignments
from app.hr.account_changes import deactivated, email_changed, is_protected
from app.hr.managers import loop_through, serialize_manager_changes
from app.models import ApiKey, Department, Role, row_id
from app.models import User as Person
from app.scim.errors import ScimError, invalid_value, uniqueness
from app.scim.messages import patched, validated
from app.scim.people import ScimUser, find, number_of, resource, version
from app.scim.staff import staff_changes, staff_refused
from app.scim.wanted import (
    KEEP,
    Wanted,
    patched_wanted,
    refuse_loose_active,
    wanted_from,
    with_full_managers,
)
from app.web.inputs import email_problem, one_line_problem


def _checked_email(value: str) -> str:
    email = value.strip().lower()
    if (problem := email_problem(email)) is not None:
        raise invalid_value(f"userName must be the person's e-mail address: {problem}.")
    return email


def _checked_text(label: str, value: str, limit: int = 200) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        raise invalid_value(f"{label}: use 1 to {limit} characters.")
    if (problem := one_line_problem(text)) is not None:
        raise invalid_value(f"{label}: {problem}")
    return text


def _manager_id(session: Session, person: Person | None, email: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    # Entra sends the manager's SCIM id; Okta sends its own id for them, which is their externalId.
    number = number_of(value)
    by_id = session.get(Person, number) if number is not None else None
    by_external = session.exec(select(Person).where(Person.external_id == str(value))).first()
    found = {p.id: p for p in (by_id, by_external) if p is not None}
    if len(found) > 1:
        raise invalid_value(
            f"manager.value: “{value}” is one person's id and another's externalId; send the id."
        )
    if not found:
        raise invalid_value(
            f"manager.value: no User has the id or externalId “{str(value)[:100]}”; "
            "create the manager first."
        )
    manager = next(iter(found.values()))
    if person is not None and manager.id == person.id:
        raise invalid_value("manager.value: a person cannot be their own manager.")
    if person is not None and (
        loop := loop_through(
            session, user_id=row_id(person), manager_id=row_id(manager), email=email
        )
    ):
        raise invalid_value(
            f"manager.value: this would make a management loop ({loop}): nobody may manage, "
            "directly or through others, their own manager."
        )
    return manager.id


def save(
    session: Session, settings: Settings, *, key: ApiKey, person: Person | None, wanted: Wanted
) -> Person:
    """Create (person None) or update a person as asked; audited with old and new values; commits."""
    serialize_manager_changes(session)  # one SCIM or manager change at a time: see its docstring
    if person is not None:
        session.refresh(person)  # read again under the lock: a PATCH never writes over another
    email = _checked_email(wanted.email)
    other = session.exec(select(Person.id).where(Person.email == email)).first()
    if other is not None and (person is None or other != person.id):
        raise uniqueness(
            f"userName: {email} already belongs to another person (e-mail addresses are compared ignoring case)."
        )
    external_id = wanted.external_id
    if isinstance(external_id, str):
        external_id = _checked_text("externalId", external_id)
        taken = session.exec(select(Person.id).where(Person.external_id == external_id)).first()
        if taken is not None and (person is None or taken != person.id):
            raise uniqueness(f"externalId: “{external_id}” already belongs to another person.")
    active = None if wanted.active is KEEP else bool(wanted.active)
    name = KEEP if wanted.name is KEEP else _checked_text("name", wanted.name)
    if wanted.manager is not KEEP:
        manager_id = _manager_id(session, person, email, wanted.manager)
    department = wanted.department
    if isinstance(department, str) and department.strip():
        department = _checked_text("department", department)
    if person is not None and is_protected(person.role):
        asked = Wanted(email, name, external_id, active, department, KEEP)
        if wanted.manager is not KEEP:
            asked.manager = manager_id
        if changed := staff_changes(session, person, asked):
            raise staff_refused(changed)
    created = person is None
    if person is None:
        person = Person(
            email=email,
            name=name if name is not KEEP else email.split("@")[0],
            role=Role.learner.value,
        )
    before = {
        f: getattr(person, f)
        for f in ("email", "name", "external_id", "active", "department_id", "manager_id")
    }
    person.email = email
    if name is not KEEP:
        person.name = name
    if external_id is not KEEP:
        person.external_id = external_id
    if department is not KEEP:
        person.department_id = department_id(session, department or None)
    if wanted.manager is not KEEP:
        person.manager_id = manager_id
    if active is not None and active != person.active:
        person.active, person.deactivated_at = active, None if active else utcnow()
    session.add(person)
    session.flush()
    uid = row_id(person)
    if created and person.active:
        invites.queue(session, user_ids=[uid], actor_id=None)
    if not created and before["active"] and not person.active:
        deactivated(session, user_ids=[uid])
    if not created and before["email"] != person.email:
        email_changed(
            session,
            settings,
            user_id=uid,
            name=person.name,
            old=before["email"],
            new=person.email,
            actor_id=None,
            via=f"scim:{key.name}",
        )
    if created or (before["department_id"], before["active"]) != (
        person.department_id,
        person.active,
    ):
        assignments.apply_rules(session, user_ids=[uid], now=utcnow())
    after = {f: getattr(person, f) for f in before}
    audit.record(
        session,
        actor_id=None,
        action="scim.user_create" if created else "scim.user_update",
        target=person.email,
        key=key.name,
        changes={
            f: [None if created else before[f], after[f]]
            for f in before
            if created or before[f] != after[f]
        },
    )
    session.commit()
    session.refresh(person)
    return person


def check_version(session: Session, person: Person, if_match: str | None) -> None:
    """412 when the client's If-Match names another version than the current one."""
    if not if_match or if_match.strip() == "*":
        return
    department = session.get(Department, person.department_id) if person.department_id else None
    current = version(person, department.name if department else None)
    if current.removeprefix("W/") not in {
        v.strip().removeprefix("W/") for v in if_match.split(",")
    }:
        raise ScimError(
            412, "The User changed since you read it (If-Match is stale); read it again."
        )


def create(session: Session, settings: Settings, *, key: ApiKey, body: Any, base: str) -> Person:
    refuse_loose_active(body)
    user = validated(ScimUser, with_full_managers(body, base), Context.RESOURCE_CREATION_REQUEST)
    return save(session, settings, key=key, person=None, wanted=wanted_from(user))


def update(
    session: Session,
    settings: Settings,
    *,
    key: ApiKey,
    scim_id: str,
    body: Any,
    if_match: str | None,
    base: str,
    partial: bool,
) -> Person:
    """PUT (partial False) or PATCH: PATCH applies its operations to the current resource."""
    person = find(session, scim_id)
    check_version(session, person, if_match)
    refuse_loose_active(body)
    body = with_full_managers(body, base)
    if partial:
        before = resource(session, person, base)
        wanted = patched_wanted(before, patched(before, body))
    else:
        wanted = wanted_from(validated(ScimUser, body, Context.RESOURCE_REPLACEMENT_REQUEST))
    return save(session, settings, key=key, person=person, wanted=wanted)


def deactivate(
    session: Session, settings: Settings, *, key: ApiKey, scim_id: str, if_match: str | None
) -> None:
    """DELETE: the person is deactivated, never deleted (their records are evidence)."""
    person = find(session, scim_id)
    check_version(session, person, if_match)
    save(session, settings, key=key, person=person, wanted=Wanted(email=person.email, active=False))
