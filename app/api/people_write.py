"""API v1 people upsert: create or update by external id, with If-Match and a field-level audit."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app import audit
from app.api import external_ids
from app.api.etags import check_if_match
from app.api.schemas import PersonIn, PersonOut
from app.api.service import person_out
from app.auth import invites
from app.clock import utcnow
from app.config import Settings
from app.db import lock_for_transaction
from app.errors import Conflict, Forbidden, Invalid
from app.hr import assignments
from app.hr.account_changes import (
    deactivated,
    email_changed,
    is_protected,
    protected_changes,
)
from app.hr.managers import loop_through, serialize_manager_changes
from app.models import ApiKey, Department, User, row_id
from app.web.inputs import email_problem

PEOPLE_LOCK = 0x4150_4970  # one API people write at a time on PostgreSQL (ids are case-folded)
AUDITED = ("external_id", "email", "name", "department", "manager", "role", "active")


def put_person(
    session: Session,
    settings: Settings,
    *,
    key: ApiKey,
    external_id: str,
    body: PersonIn,
    if_match: str | None = None,
    commit: bool = True,
    where: str = "",
) -> tuple[PersonOut, bool]:
    """Create or update the person with this external id; returns (person, created).

    Omitted fields stay as they are: in particular a leaver is re-activated only by a body
    that says `"active": true`, never by a stale full record that leaves `active` out.
    """
    lock_for_transaction(session, PEOPLE_LOCK)
    email = body.email.strip().lower()
    if (problem := email_problem(email)) is not None:
        raise Invalid(f"email: {problem}.", fields={f"#{where}/email": problem})
    if body.manager_email or body.manager_external_id:
        serialize_manager_changes(session)  # before reading any chain: see its docstring
    user = external_ids.find(session, external_id)
    check_if_match(if_match, person_out(session, user) if user else None)
    if user is None:
        external_id = external_ids.normal(external_id)
    other = session.exec(select(User).where(User.email == email)).first()
    if other is not None and (user is None or other.id != user.id):
        if user is None and other.external_id is None:
            if is_protected(other.role):
                raise Forbidden(
                    f"email: {email} belongs to an hr or admin account, which an API key "
                    "cannot link to an external id or change; leave it out of the sync."
                )
            user = other  # an account made before the HR system knew it: adopt it
        else:
            raise Conflict(f"email: {email} already belongs to another person.")
    if user is not None and (changed := protected_changes(user, email, body.role, body.active)):
        raise Forbidden(
            f"{', '.join(changed)}: this is an hr or admin account; an API key cannot change "
            "its e-mail, role or active state. Send the values it has, or leave role and "
            "active out; role and active state are changed on the person's page in the app."
        )
    manager_id = manager_of(session, body, email, user, where=where)
    created = user is None
    before = _audited(session, user) if user else {}
    old = (user.role, user.department_id, user.active, user.email) if user else None
    changing_role = body.role is not None and body.role != (user.role if user else None)
    if changing_role and body.role and is_protected(body.role):  # a leaked key: no hr/admin
        raise Forbidden(
            f"role: an API key can give only the learner or facilitator role, not "
            f"{body.role}; an admin gives the hr and admin roles on the person's page."
        )
    if user is None:
        user = User(email=email, name=body.name, external_id=external_id)
    user.email, user.name = email, body.name
    user.external_id = user.external_id or external_id
    if body.role is not None:
        user.role = body.role
    if "department" in body.model_fields_set:
        user.department_id = department_id(session, body.department)
    if body.model_fields_set & {"manager_email", "manager_external_id"}:
        user.manager_id = manager_id
    if body.active is not None and body.active != user.active:
        user.active, user.deactivated_at = body.active, None if body.active else utcnow()
    session.add(user)
    session.flush()
    uid = row_id(user)
    if created:
        invites.queue(session, user_ids=[uid], actor_id=None)
    if old and old[2] and not user.active:
        deactivated(session, user_ids=[uid])
    elif not user.active:
        invites.revoke_for(session, user_ids=[uid])
    if old and old[3] != user.email:
        email_changed(
            session,
            settings,
            user_id=uid,
            name=user.name,
            old=old[3],
            new=user.email,
            actor_id=None,
            via=f"api:{key.name}",
        )
    if created or old is None or old[1:3] != (user.department_id, user.active):
        assignments.apply_rules(session, user_ids=[uid], now=utcnow())
    if old and old[0] != user.role:
        audit.record(
            session,
            actor_id=None,
            action="user.role_change",
            target=email,
            old=old[0],
            new=user.role,
            via=f"api:{key.name}",
        )
    after = _audited(session, user)
    audit.record(
        session,
        actor_id=None,
        action="api.person_create" if created else "api.person_update",
        target=email,
        key=key.name,
        external_id=user.external_id,
        changes={
            f: {"old": before.get(f), "new": after[f]} for f in AUDITED if before.get(f) != after[f]
        },
    )
    if not commit:
        session.flush()
        return person_out(session, user), created
    session.commit()
    session.refresh(user)
    return person_out(session, user), created


def _audited(session: Session, user: User) -> dict[str, Any]:
    """The fields an API write can change, as the audit log shows them."""
    dept = session.get(Department, user.department_id) if user.department_id else None
    manager = session.get(User, user.manager_id) if user.manager_id else None
    return {
        "external_id": user.external_id,
        "email": user.email,
        "name": user.name,
        "department": dept.name if dept else None,
        "manager": (manager.external_id or manager.email) if manager else None,
        "role": user.role,
        "active": user.active,
    }


def manager_of(
    session: Session, body: PersonIn, email: str, user: User | None, *, where: str = ""
) -> int | None:
    """The manager's id, named by e-mail or external id; refuses an unknown one and a loop."""
    if body.manager_external_id:
        field = "manager_external_id"
        manager = external_ids.find(session, body.manager_external_id)
        if manager is None:
            said = f"no person has the external id {body.manager_external_id}; create them first."
            raise Invalid(f"{field}: {said}", fields={f"#{where}/{field}": said})
    elif body.manager_email:
        field = "manager_email"
        manager_email = body.manager_email.strip().lower()
        manager = session.exec(select(User).where(User.email == manager_email)).first()
        if manager is None:
            said = f"no account has the email {manager_email}; create the manager first."
            raise Invalid(f"{field}: {said}", fields={f"#{where}/{field}": said})
    else:
        return None
    if manager.email == email or (user is not None and manager.id == user.id):
        said = "a person cannot be their own manager."
        raise Invalid(f"{field}: {said}", fields={f"#{where}/{field}": said})
    if user is not None and user.id is not None:
        loop = loop_through(session, user_id=user.id, manager_id=row_id(manager), email=email)
        if loop:
            said = (
                f"this would make a management loop ({loop}): nobody may manage, directly "
                "or through others, their own manager."
            )
            raise Invalid(f"{field}: {said}", fields={f"#{where}/{field}": said})
    return manager.id


def department_id(session: Session, name: str | None) -> int | None:
    """The id of the department with this name (any case), created if new; None for no name.

    The API and SCIM (app/scim) both name departments this way."""
    if not name:
        return None
    # Match case-insensitively in Python: SQLite's lower() folds ASCII only, so "Ø" and "ø"
    # would look different to it and the insert below would hit the unique name.
    found = next(
        (d for d in session.exec(select(Department)) if d.name.casefold() == name.casefold()),
        None,
    )
    if found is None:
        found = Department(name=name)
        session.add(found)
        session.flush()
    return found.id
