"""Users as SCIM resources: one person's representation, its ETag, and the list with a filter."""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from scim2_models import (
    Context,
    Email,
    EnterpriseUser,
    GroupMembership,
    ListResponse,
    Manager,
    Meta,
    User,
)
from sqlmodel import Session, col, select

from app.models import Department, row_id
from app.models import User as Person
from app.scim.errors import not_found
from app.scim.filters import Column, lower, where
from app.scim.messages import page

ScimUser = User[EnterpriseUser]


def number_of(text: Any) -> int | None:
    value = str(text)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


USER_COLUMNS = {
    "id": Column(col(Person.id), value=number_of),
    "userName": Column(col(Person.email), value=lambda v: str(v).lower()),
    "emails": Column(col(Person.email), value=lambda v: str(v).lower()),
    "emails.value": Column(col(Person.email), value=lambda v: str(v).lower()),
    "externalId": Column(col(Person.external_id), value=str),
    "displayName": Column(col(Person.name), fold=lower, value=lambda v: str(v).lower()),
    "active": Column(col(Person.active), value=lambda v: v if isinstance(v, bool) else None),
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": Column(
        col(Department.name), fold=lower, value=lambda v: str(v).lower()
    ),
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": Column(
        col(Person.manager_id), value=number_of
    ),
}


Row = TypeVar("Row")


def row_or_404(session: Session, table: type[Row], scim_id: str, kind: str) -> Row:
    """The row whose id is this SCIM id, or a SCIM 404 naming the resource type."""
    number = number_of(scim_id)
    found = session.get(table, number) if number is not None else None
    if found is None:
        raise not_found(kind, scim_id)
    return found


def find(session: Session, scim_id: str) -> Person:
    return row_or_404(session, Person, scim_id, "User")


def version(person: Person, department: str | None) -> str:
    """A weak ETag over every value the resource shows (no stored counter needed)."""
    seen = (
        person.email,
        person.name,
        person.external_id,
        person.active,
        department,
        person.manager_id,
    )
    return 'W/"' + hashlib.sha256(repr(seen).encode()).hexdigest()[:20] + '"'


def resource(session: Session, person: Person, base: str) -> ScimUser:
    """The person as a SCIM User with the enterprise extension (department, manager)."""
    department = session.get(Department, person.department_id) if person.department_id else None
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    uid = row_id(person)
    found = ScimUser(
        id=str(uid),
        external_id=person.external_id,
        user_name=person.email,
        display_name=person.name,
        active=person.active,
        emails=[Email(value=person.email, type=Email.Type.work, primary=True)],
        groups=[
            GroupMembership.model_validate(
                {
                    "value": str(department.id),
                    "display": department.name,
                    "$ref": f"{base}/Groups/{department.id}",
                }
            )
        ]
        if department
        else None,
        meta=Meta(
            resource_type="User",
            created=person.created_at,
            last_modified=person.deactivated_at or person.created_at,
            location=f"{base}/Users/{uid}",
            version=version(person, department.name if department else None),
        ),
    )
    found[EnterpriseUser] = EnterpriseUser(
        department=department.name if department else None,
        manager=Manager.model_validate(
            {"value": str(manager.id), "$ref": f"{base}/Users/{manager.id}"}
        )
        if manager
        else None,
    )
    return found


def dump(user: ScimUser, **options: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, **options)
    return dumped


def search(
    session: Session, *, filter: str | None, start: int, count: int, base: str
) -> ListResponse[ScimUser]:
    """One page of people matching the filter, in id order (startIndex is 1-based)."""
    stmt = (
        select(Person)
        .outerjoin(Department, col(Department.id) == Person.department_id)
        .where(where(filter, USER_COLUMNS))
    )
    return page(
        session,
        stmt,
        col(Person.id),
        ScimUser,
        start=start,
        count=count,
        convert=lambda p: resource(session, p, base),
    )
