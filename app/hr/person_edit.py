"""Add one person or edit one, without a CSV: name, e-mail, department, manager, role.

The same protections as imports and API keys (app/hr/account_changes.py): HR gives only the
learner and facilitator roles, and never changes the e-mail or role of an hr or admin
account, since re-pointing an admin's e-mail and asking for a password reset would hand over
the account. Only admins give the hr and admin roles. An e-mail change signs the person out
everywhere and tells the old address. Every change is audited with its before and after.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from sqlmodel import Session, select

from app import audit
from app.auth import invites
from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.errors import Conflict, Invalid, NotFound
from app.hr.account_changes import email_changed, hr_may_set_role, is_protected
from app.hr.assignments import apply_rules
from app.hr.managers import loop_through, serialize_manager_changes
from app.models import Department, Role, User, row_id
from app.web.inputs import email_problem, one_line_problem

NAME_MAX = 200


@dataclass(frozen=True)
class PersonFields:
    """What the add and edit forms send (text as typed; checked by `_checked`)."""

    name: str = ""
    email: str = ""
    department_id: int | None = None
    manager_email: str = ""
    role: str = Role.learner.value


class PersonInvalid(Invalid):
    """The form's problems, one per field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class StaleEdit(Conflict):
    """Someone else changed the person after this form was drawn."""


def fields_of(user: User, manager_email: str) -> PersonFields:
    return PersonFields(user.name, user.email, user.department_id, manager_email, user.role)


def fingerprint(fields: PersonFields) -> str:
    """A short digest of the values a form was drawn with, to notice edits made meanwhile."""
    return hashlib.sha256(repr(sorted(asdict(fields).items())).encode()).hexdigest()[:16]


def _manager_email(session: Session, user: User) -> str:
    if user.manager_id is None:
        return ""
    return session.exec(select(User.email).where(User.id == user.manager_id)).first() or ""


def current(session: Session, user_id: int) -> tuple[User, PersonFields]:
    """The person and the values their edit form starts from."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no person with that id. Go back to the people list.")
    return user, fields_of(user, _manager_email(session, user))


def _checked(
    session: Session, actor: AnyUser, fields: PersonFields, user: User | None
) -> tuple[PersonFields, int | None]:
    """The fields cleaned, and the manager's id; every problem at once, per field."""
    problems: dict[str, str] = {}
    name = fields.name.strip()
    email = fields.email.strip().lower()
    manager_email = fields.manager_email.strip().lower()
    if not name:
        problems["name"] = "Name: fill this in."
    elif len(name) > NAME_MAX:
        problems["name"] = f"Name: use at most {NAME_MAX} characters (this has {len(name)})."
    elif (problem := one_line_problem(name)) is not None:
        problems["name"] = f"Name: {problem}."
    if (problem := email_problem(email)) is not None:
        problems["email"] = f"E-mail: {problem}."
    else:
        other = session.exec(select(User.id).where(User.email == email)).first()
        if other is not None and (user is None or other != user.id):
            problems["email"] = f"E-mail: {email} already belongs to another person."
    if fields.department_id is not None and session.get(Department, fields.department_id) is None:
        problems["department_id"] = "Department: choose one from the list."
    current_role = user.role if user else None
    locked = locked_fields(actor, user)
    if fields.role not in Role.__members__:
        problems["role"] = f"Role: choose one of {', '.join(Role.__members__)}."
    elif fields.role != current_role:
        if "role" in locked:
            problems["role"] = f"Role: {locked['role']}"
        elif actor.role != Role.admin and not hr_may_set_role(current_role, fields.role):
            problems["role"] = (
                "Role: HR gives only the learner and facilitator roles, and never changes "
                "an hr or admin account's role; an admin does that."
            )
    if user is not None and "email" in locked and email != user.email and "email" not in problems:
        problems["email"] = f"E-mail: {locked['email']}"
    manager_id = _manager(session, manager_email, email, user, problems)
    if problems:
        raise PersonInvalid(problems)
    cleaned = PersonFields(name, email, fields.department_id, manager_email, fields.role)
    return cleaned, manager_id


def locked_fields(viewer: AnyUser, person: User | None) -> dict[str, str]:
    """The fields of `person` that `viewer` may not change, each with the reason, so the form
    shows them read-only instead of offering what the server then refuses (outside test F17)."""
    if person is None:
        return {}
    locked: dict[str, str] = {}
    if person.id == viewer.id:
        who = "another admin" if viewer.role == Role.admin else "an admin"
        locked["role"] = f"you cannot change your own role; ask {who}."
    if viewer.role != Role.admin and is_protected(person.role):
        locked.setdefault(
            "role", f"this is an {person.role} account; only an admin changes its role."
        )
        locked["email"] = (
            f"this is an {person.role} account; only an admin can change its e-mail "
            "address (a changed address could receive its password reset)."
        )
    return locked


def _manager(
    session: Session, manager_email: str, email: str, user: User | None, problems: dict[str, str]
) -> int | None:
    if not manager_email:
        return None
    if manager_email == email:
        problems["manager_email"] = "Manager: a person cannot be their own manager."
        return None
    serialize_manager_changes(session)  # before reading any chain: see its docstring
    manager_id = session.exec(select(User.id).where(User.email == manager_email)).first()
    if manager_id is None:
        problems["manager_email"] = f"Manager: no account has the e-mail {manager_email}."
        return None
    if user is not None and user.id is not None:
        loop = loop_through(session, user_id=user.id, manager_id=manager_id, email=email)
        if loop:
            problems["manager_email"] = (
                f"Manager: this would make a management loop ({loop}): nobody may manage, "
                "directly or through others, their own manager."
            )
    return manager_id


def add_person(session: Session, *, actor: AnyUser, fields: PersonFields) -> User:
    """Create one account, queue its invitation, apply its department's rules; commits."""
    cleaned, manager_id = _checked(session, actor, fields, None)
    user = User(
        name=cleaned.name,
        email=cleaned.email,
        role=cleaned.role,
        department_id=cleaned.department_id,
        manager_id=manager_id,
    )
    session.add(user)
    session.flush()
    uid = row_id(user)
    invites.queue(session, user_ids=[uid], actor_id=actor.id)
    apply_rules(session, user_ids=[uid], now=utcnow())
    audit.record(
        session, actor_id=actor.id, action="user.create", target=user.email,
        before=None, after=asdict(cleaned), via="web",
    )  # fmt: skip
    session.commit()
    return user


def edit_person(
    session: Session,
    settings: Settings,
    *,
    actor: AnyUser,
    user_id: int,
    fields: PersonFields,
    drawn: str,
) -> User:
    """Change one person's details; refused whole if anything is wrong or changed meanwhile."""
    user, before = current(session, user_id)
    if fingerprint(before) != drawn:
        raise StaleEdit(
            "Someone changed this person after you opened the form, so nothing was saved. "
            "The form now shows their current details: make your change again."
        )
    cleaned, manager_id = _checked(session, actor, fields, user)
    changed = {k: v for k, v in asdict(cleaned).items() if v != getattr(before, k)}
    if not changed:
        return user
    user.name, user.email, user.role = cleaned.name, cleaned.email, cleaned.role
    user.department_id, user.manager_id = cleaned.department_id, manager_id
    session.add(user)
    session.flush()
    if "email" in changed:
        email_changed(
            session, settings, user_id=row_id(user), name=user.name, old=before.email,
            new=user.email, actor_id=actor.id, via="web",
        )  # fmt: skip
    if "department_id" in changed:
        apply_rules(session, user_ids=[row_id(user)], now=utcnow())
    audit.record(
        session,
        actor_id=actor.id,
        action="user.update",
        target=user.email,
        before={k: getattr(before, k) for k in changed},
        after=changed,
        via="web",
    )
    session.commit()
    return user
