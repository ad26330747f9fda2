"""Departments as SCIM Groups: members are the people in the department (one each).

Adding someone to a Group moves them into that department (out of any other); removing them
leaves them without one. DELETE removes a department only when nothing else refers to it
(assignment rules, released reports); its people are left without a department.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scim2_models import (
    Context,
    Group,
    GroupMember,
    ListResponse,
    Meta,
)
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.clock import utcnow
from app.hr import assignments
from app.models import ApiKey, AssignmentRule, Department, ReleaseBlock, ReleaseMember, User, row_id
from app.scim.errors import ScimError, invalid_value, uniqueness
from app.scim.filters import Column, lower, where
from app.scim.messages import page, patched, validated
from app.scim.people import number_of, row_or_404
from app.scim.staff import refuse_staff_moves
from app.web.inputs import one_line_problem

GROUP_COLUMNS = {
    "id": Column(col(Department.id), value=number_of),
    "displayName": Column(col(Department.name), fold=lower, value=lambda v: str(v).lower()),
}


def find(session: Session, scim_id: str) -> Department:
    return row_or_404(session, Department, scim_id, "Group")


def resource(session: Session, department: Department, base: str) -> Group:
    did = row_id(department)
    people = session.exec(
        select(User.id).where(User.department_id == did).order_by(col(User.id))
    ).all()
    seen = (department.name, tuple(people))
    return Group(
        id=str(did),
        display_name=department.name,
        members=[
            GroupMember.model_validate(
                {"value": str(p), "$ref": f"{base}/Users/{p}", "type": "User"}
            )
            for p in people
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=department.created_at,
            last_modified=department.created_at,
            location=f"{base}/Groups/{did}",
            version='W/"' + hashlib.sha256(repr(seen).encode()).hexdigest()[:20] + '"',
        ),
    )


def search(
    session: Session, *, filter: str | None, start: int, count: int, base: str
) -> ListResponse[Group]:
    """One page of departments matching the filter, in id order."""
    stmt = select(Department).where(where(filter, GROUP_COLUMNS))
    return page(
        session,
        stmt,
        col(Department.id),
        Group,
        start=start,
        count=count,
        convert=lambda d: resource(session, d, base),
    )


def _name(session: Session, value: str | None, department: Department | None) -> str:
    name = (value or "").strip()
    if not name or len(name) > 200 or one_line_problem(name):
        raise invalid_value("displayName: use 1 to 200 characters on one line.")
    clash = next(
        (d for d in session.exec(select(Department)) if d.name.casefold() == name.casefold()), None
    )
    if clash is not None and (department is None or clash.id != department.id):
        raise uniqueness(f"displayName: there is already a department called “{clash.name}”.")
    return name


def _members(session: Session, group: Group) -> list[int]:
    ids = []
    for member in group.members or []:
        number = number_of(member.value)
        if number is None or session.get(User, number) is None:
            raise invalid_value(
                f"members: no User has the id “{str(member.value)[:100]}” (members are Users)."
            )
        ids.append(number)
    return ids


def _save(
    session: Session, *, key: ApiKey, department: Department | None, group: Group, action: str
) -> Department:
    """Name the department and make `group.members` exactly its people; audited; commits."""
    name = _name(session, group.display_name, department)
    members = _members(session, group)
    if department is None:
        department = Department(name=name)
    old_name = department.name
    department.name = name
    session.add(department)
    session.flush()
    did = row_id(department)
    before = {row_id(u) for u in session.exec(select(User).where(User.department_id == did)).all()}
    leaving, joining = before - set(members), set(members) - before
    refuse_staff_moves(session, leaving | joining)
    if leaving:
        session.execute(update(User).where(col(User.id).in_(leaving)).values(department_id=None))
    if joining:
        session.execute(update(User).where(col(User.id).in_(joining)).values(department_id=did))
    if leaving or joining:
        assignments.apply_rules(session, user_ids=sorted(leaving | joining), now=utcnow())
    audit.record(
        session,
        actor_id=None,
        action=action,
        target=name,
        key=key.name,
        old_name=old_name,
        joined=sorted(joining),
        left=sorted(leaving),
    )
    session.commit()
    session.refresh(department)
    return department


def create(session: Session, *, key: ApiKey, body: Any) -> Department:
    group = validated(Group, body, Context.RESOURCE_CREATION_REQUEST)
    return _save(session, key=key, department=None, group=group, action="scim.group_create")


def replace(session: Session, *, key: ApiKey, scim_id: str, body: Any) -> Department:
    department = find(session, scim_id)
    group = validated(Group, body, Context.RESOURCE_REPLACEMENT_REQUEST)
    return _save(session, key=key, department=department, group=group, action="scim.group_update")


def patch(session: Session, *, key: ApiKey, scim_id: str, body: Any, base: str) -> Department:
    department = find(session, scim_id)
    group = patched(resource(session, department, base), body)
    return _save(session, key=key, department=department, group=group, action="scim.group_update")


def delete(session: Session, *, key: ApiKey, scim_id: str) -> None:
    department = find(session, scim_id)
    did = row_id(department)
    used = session.exec(
        select(AssignmentRule.id).where(AssignmentRule.department_id == did)
    ).first()
    released = session.exec(
        select(ReleaseMember.id).where(ReleaseMember.department_id == did)
    ).first()
    blocked = session.exec(select(ReleaseBlock.id).where(ReleaseBlock.department_id == did)).first()
    if used is not None or released is not None or blocked is not None:
        raise ScimError(
            409,
            f"The department “{department.name}” has assignment rules or released reports, so it "
            "is kept; remove its rules in the app, or leave the Group in place.",
        )
    members = session.exec(select(User.id).where(User.department_id == did)).all()
    refuse_staff_moves(session, {i for i in members if i is not None})
    session.execute(update(User).where(col(User.department_id) == did).values(department_id=None))
    audit.record(
        session, actor_id=None, action="scim.group_delete", target=department.name, key=key.name
    )
    session.delete(department)
    session.commit()
