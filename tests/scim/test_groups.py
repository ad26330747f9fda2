"""SCIM Groups are departments: members are the people in the department, one department each."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Assignment, AssignmentRule, Department, User
from tests.factories import make_department
from tests.scim.helpers import GROUP, create_user, headers, patch


def _group(client: TestClient, secret: str, name: str, *members: str) -> dict[str, object]:
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    created = client.post("/scim/v2/Groups", json=body, headers=headers(secret))
    assert created.status_code == 201, created.text
    found: dict[str, object] = created.json()
    return found


def _department_of(session: Session, scim_id: str) -> str | None:
    session.expire_all()
    person = session.get(User, int(scim_id))
    assert person is not None
    department = session.get(Department, person.department_id) if person.department_id else None
    return department.name if department else None


def test_a_group_with_members_puts_them_in_the_department_and_applies_its_rules(
    client: TestClient, session: Session, scim_key: str
) -> None:
    sales = make_department(session, "Sales")
    session.add(AssignmentRule(department_id=sales.id, module_id="first-steps", due_days=30))
    session.commit()
    ana = create_user(client, scim_key, "ana@example.com")
    group = client.get(
        "/scim/v2/Groups", params={"filter": 'displayName eq "sales"'}, headers=headers(scim_key)
    ).json()
    assert group["totalResults"] == 1
    gid = group["Resources"][0]["id"]
    added = patch(
        client,
        scim_key,
        f"/scim/v2/Groups/{gid}",
        {"op": "add", "path": "members", "value": [{"value": ana["id"]}]},
    )
    assert added.status_code == 200, added.text
    assert [m["value"] for m in added.json()["members"]] == [ana["id"]]
    assert _department_of(session, ana["id"]) == "Sales"
    assert (
        session.exec(select(Assignment).where(Assignment.user_id == int(ana["id"]))).first()
        is not None
    )


def test_joining_another_group_moves_the_person_and_removing_leaves_none(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    first = _group(client, scim_key, "Sales", ana["id"])
    second = _group(client, scim_key, "Support", ana["id"])
    assert _department_of(session, ana["id"]) == "Support"
    old = client.get(f"/scim/v2/Groups/{first['id']}", headers=headers(scim_key)).json()
    assert not old.get("members")
    removed = patch(
        client,
        scim_key,
        f"/scim/v2/Groups/{second['id']}",
        {"op": "remove", "path": f'members[value eq "{ana["id"]}"]'},
    )
    assert removed.status_code == 200, removed.text
    assert _department_of(session, ana["id"]) is None


def test_a_department_name_taken_in_another_case_is_a_uniqueness_conflict(
    client: TestClient, session: Session, scim_key: str
) -> None:
    make_department(session, "Sales")
    again = client.post(
        "/scim/v2/Groups",
        json={"schemas": [GROUP], "displayName": "SALES"},
        headers=headers(scim_key),
    )
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"


def test_members_must_be_existing_users(client: TestClient, scim_key: str) -> None:
    body = {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": "424242"}]}
    refused = client.post("/scim/v2/Groups", json=body, headers=headers(scim_key))
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidValue"


def test_deleting_a_group_keeps_a_department_with_rules_and_deletes_an_unused_one(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    used = _group(client, scim_key, "Sales", ana["id"])
    session.add(
        AssignmentRule(department_id=int(str(used["id"])), module_id="first-steps", due_days=30)
    )
    session.commit()
    kept = client.delete(f"/scim/v2/Groups/{used['id']}", headers=headers(scim_key))
    assert kept.status_code == 409 and _department_of(session, ana["id"]) == "Sales"
    unused = _group(client, scim_key, "Temp", ana["id"])
    assert (
        client.delete(f"/scim/v2/Groups/{unused['id']}", headers=headers(scim_key)).status_code
        == 204
    )
    assert (
        client.get(f"/scim/v2/Groups/{unused['id']}", headers=headers(scim_key)).status_code == 404
    )
    assert _department_of(session, ana["id"]) is None


def test_listing_groups_without_members_when_asked(client: TestClient, scim_key: str) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    _group(client, scim_key, "Sales", ana["id"])
    listed = client.get(
        "/scim/v2/Groups", params={"excludedAttributes": "members"}, headers=headers(scim_key)
    ).json()
    assert (
        listed["Resources"][0]["displayName"] == "Sales" and "members" not in listed["Resources"][0]
    )
