"""hr and admin accounts are kept in the app: a SCIM key changes none of their fields (403).

An identity provider (or a leaked key) that could rename an admin, move them, make a learner
their manager (who then gets the admin's progress in the manager digest), deactivate them or
change their address or external id (which single sign-on links by) could take over or lock
out the people who run the course. Sending the values they already have is fine.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.hr.account_changes import PROTECTED_ROLES
from app.models import Department
from app.models import User as Person
from app.scim.errors import ScimError
from app.scim.wanted import KEEP, Wanted


def staff_changes(session: Session, person: Person, asked: Wanted) -> list[str]:
    """The SCIM attributes `asked` would change on this person (checked values, KEEP = none)."""
    department = session.get(Department, person.department_id) if person.department_id else None
    now = department.name.casefold() if department else ""
    changes = {
        "userName": asked.email != person.email,
        "displayName": asked.name is not KEEP and asked.name != person.name,
        "externalId": asked.external_id is not KEEP and asked.external_id != person.external_id,
        "active": asked.active is not KEEP
        and asked.active is not None
        and asked.active != person.active,
        "department": asked.department is not KEEP
        and str(asked.department or "").casefold() != now,
        "manager": asked.manager is not KEEP and asked.manager != person.manager_id,
    }
    return [name for name, differs in changes.items() if differs]


def staff_refused(changed: list[str]) -> ScimError:
    return ScimError(
        403,
        f"{', '.join(changed)}: this is an hr or admin account; provisioning cannot change it. "
        "An admin changes hr and admin accounts in the app.",
    )


def refuse_staff_moves(session: Session, user_ids: set[int]) -> None:
    """403 when a Group change would move an hr or admin account into or out of a department."""
    if not user_ids:
        return
    staff = session.exec(
        select(Person.id).where(col(Person.id).in_(user_ids), col(Person.role).in_(PROTECTED_ROLES))
    ).all()
    if staff:
        shown = ", ".join(str(i) for i in sorted(i for i in staff if i is not None))
        raise ScimError(
            403,
            f"members: User {shown} is an hr or admin account; provisioning cannot change its "
            "department. An admin changes hr and admin accounts in the app.",
        )
