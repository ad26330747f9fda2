"""PATCH through `emails` (Entra's `emails[type eq "work"].value`) changes the address or is
refused, never answered 200 with nothing changed; hr and admin accounts are not changed over
SCIM at all (403), by User or by Group."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Department, User
from tests.factories import make_user
from tests.scim.helpers import ENTERPRISE, GROUP, create_user, headers, patch

WORK = 'emails[type eq "work"].value'


def _person(session: Session, scim_id: Any) -> User:
    session.expire_all()
    person = session.get(User, int(scim_id))
    assert person is not None
    return person


def _replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


@pytest.mark.parametrize(
    "path", [WORK, "emails[primary eq true].value", 'emails[value eq "ana@example.com"].value']
)
def test_patch_of_the_work_address_changes_the_email(
    client: TestClient, session: Session, scim_key: str, path: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    changed = patch(
        client, scim_key, f"/scim/v2/Users/{ana['id']}", _replace(path, "Ana2@Example.com")
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["userName"] == "ana2@example.com"
    assert changed.json()["emails"][0]["value"] == "ana2@example.com"
    assert _person(session, ana["id"]).email == "ana2@example.com"
    read = client.get(f"/scim/v2/Users/{ana['id']}", headers=headers(scim_key)).json()
    assert read["userName"] == "ana2@example.com"


def test_entra_sends_username_and_work_address_together(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    both = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        _replace("userName", "ana.new@example.com"),
        _replace(WORK, "ana.new@example.com"),
    )
    assert both.status_code == 200, both.text
    assert _person(session, ana["id"]).email == "ana.new@example.com"


@pytest.mark.parametrize(
    ("operations", "status", "scim_type"),
    [
        ([_replace('emails[type eq "home"].value', "x@example.com")], 400, "noTarget"),
        ([{"op": "remove", "path": "emails"}], 400, "mutability"),
        ([{"op": "remove", "path": 'emails[type eq "work"]'}], 400, "mutability"),
        (
            [
                {
                    "op": "add",
                    "path": "emails",
                    "value": [{"value": "h@example.com", "type": "home"}],
                }
            ],
            400,
            "invalidValue",
        ),
        (
            [_replace("userName", "one@example.com"), _replace(WORK, "two@example.com")],
            400,
            "invalidValue",
        ),
        ([_replace(WORK, "not-an-address")], 400, "invalidValue"),
    ],
)
def test_an_email_patch_that_cannot_be_applied_is_refused_not_dropped(
    client: TestClient,
    session: Session,
    scim_key: str,
    operations: list[dict[str, Any]],
    status: int,
    scim_type: str,
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    refused = patch(client, scim_key, f"/scim/v2/Users/{ana['id']}", *operations)
    assert refused.status_code == status, refused.text
    assert refused.json().get("scimType") == scim_type
    assert _person(session, ana["id"]).email == "ana@example.com"


def test_an_email_patch_to_someone_elses_address_is_a_uniqueness_error(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    create_user(client, scim_key, "bo@example.com")
    clash = patch(client, scim_key, f"/scim/v2/Users/{ana['id']}", _replace(WORK, "BO@example.com"))
    assert clash.status_code == 409 and clash.json()["scimType"] == "uniqueness"


@pytest.mark.parametrize("role", ["admin", "hr"])
@pytest.mark.parametrize(
    ("operation", "named"),
    [
        (_replace(WORK, "me@evil.example"), "userName"),
        (_replace("userName", "me@evil.example"), "userName"),
        (_replace("active", False), "active"),
        (_replace("displayName", "Someone Else"), "displayName"),
        (_replace("name.givenName", "Mallory"), "displayName"),
        (_replace("externalId", "E-999"), "externalId"),
        (_replace(f"{ENTERPRISE}:department", "Sales"), "department"),
        (_replace(f"{ENTERPRISE}:manager", {"value": "LEARNER"}), "manager"),
    ],
)
def test_scim_changes_no_field_of_an_hr_or_admin_account(
    client: TestClient,
    session: Session,
    scim_key: str,
    role: str,
    operation: dict[str, Any],
    named: str,
) -> None:
    staff = make_user(session, "staff@example.com", name="Sam Staff", role=role)
    learner = create_user(client, scim_key, "lee@example.com")
    if isinstance(operation["value"], dict):
        operation = {**operation, "value": {"value": learner["id"]}}
    refused = patch(client, scim_key, f"/scim/v2/Users/{staff.id}", operation)
    assert refused.status_code == 403, refused.text
    assert named in refused.json()["detail"]
    person = _person(session, staff.id)
    assert (person.email, person.name, person.active, person.role) == (
        "staff@example.com",
        "Sam Staff",
        True,
        role,
    )
    assert (person.external_id, person.department_id, person.manager_id) == (None, None, None)


def test_scim_put_of_an_admin_with_the_values_it_has_is_accepted(
    client: TestClient, session: Session, scim_key: str
) -> None:
    admin = make_user(session, "admin@example.com", name="Alex Admin", role="admin")
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "admin@example.com",
        "displayName": "Alex Admin",
        "active": True,
    }
    same = client.put(f"/scim/v2/Users/{admin.id}", json=body, headers=headers(scim_key))
    assert same.status_code == 200, same.text
    renamed = client.put(
        f"/scim/v2/Users/{admin.id}",
        json={**body, "displayName": "Mallory"},
        headers=headers(scim_key),
    )
    assert renamed.status_code == 403


def test_a_group_cannot_move_an_admin_in_or_out_of_a_department(
    client: TestClient, session: Session, scim_key: str
) -> None:
    admin = make_user(session, "admin@example.com", role="admin")
    group = {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": str(admin.id)}]}
    made = client.post("/scim/v2/Groups", json=group, headers=headers(scim_key))
    assert made.status_code == 403, made.text
    assert _person(session, admin.id).department_id is None
    sales = Department(name="Support")
    session.add(sales)
    session.commit()
    admin.department_id = sales.id
    session.add(admin)
    session.commit()
    emptied = client.put(
        f"/scim/v2/Groups/{sales.id}",
        json={"schemas": [GROUP], "displayName": "Support", "members": []},
        headers=headers(scim_key),
    )
    assert emptied.status_code == 403
    deleted = client.delete(f"/scim/v2/Groups/{sales.id}", headers=headers(scim_key))
    assert deleted.status_code == 403
    assert _person(session, admin.id).department_id == sales.id
