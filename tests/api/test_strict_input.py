"""`active` is a JSON boolean or refused (API and SCIM); PUT /people needs email and name, as the
docs say; a body that cannot be read at all is one 422 pointing at the whole body."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.api.conftest import bearer
from tests.scim.conftest import scim_key
from tests.scim.helpers import create_user, headers, patch

__all__ = ["scim_key"]

LEAVER = {"email": "x@example.com", "name": "X A"}
LOOSE = ["true", "True", "yes", "on", "1", 1, 0, "false", None, [], {}]


def _active(session: Session, email: str) -> bool:
    session.expire_all()
    return session.exec(select(User.active).where(User.email == email)).one()


@pytest.mark.parametrize("value", LOOSE[:-3])
def test_api_active_must_be_a_json_boolean(
    client: TestClient, session: Session, write_key: str, value: Any
) -> None:
    url = "/api/v1/people/X1819A"
    off = client.put(url, json={**LEAVER, "active": False}, headers=bearer(write_key))
    assert off.status_code == 201, off.text
    loose = client.put(url, json={**LEAVER, "active": value}, headers=bearer(write_key))
    assert loose.status_code == 422, loose.text
    assert loose.json()["errors"] == [
        {
            "detail": "active: send true or false (a JSON boolean, not a string or a number).",
            "pointer": "#/active",
        }
    ]
    assert not _active(session, "x@example.com")
    back = client.put(url, json={**LEAVER, "active": True}, headers=bearer(write_key))
    assert back.status_code == 200 and back.json()["active"] is True


def test_api_batch_active_must_be_a_json_boolean(client: TestClient, write_key: str) -> None:
    item = {**LEAVER, "external_id": "B1", "active": "true"}
    refused = client.post(
        "/api/v1/people/batch", json={"people": [item]}, headers=bearer(write_key)
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "#/people/0/active"


@pytest.mark.parametrize("value", LOOSE)
def test_scim_active_must_be_a_json_boolean_in_patch_put_and_post(
    client: TestClient, session: Session, scim_key: str, value: Any
) -> None:
    lee = create_user(client, scim_key, "lee@example.com", active=False)
    url = f"/scim/v2/Users/{lee['id']}"
    for operation in (
        {"op": "replace", "path": "active", "value": value},
        {"op": "replace", "value": {"active": value}},
    ):
        refused = patch(client, scim_key, url, operation)
        assert refused.status_code == 400, refused.text
        assert refused.json()["scimType"] == "invalidValue"
        assert "active" in refused.json()["detail"]
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "lee@example.com",
        "displayName": "Lee",
        "active": value,
    }
    assert client.put(url, json=body, headers=headers(scim_key)).status_code == 400
    new = {**body, "userName": "new@example.com"}
    assert client.post("/scim/v2/Users", json=new, headers=headers(scim_key)).status_code == 400
    assert not _active(session, "lee@example.com")


def test_scim_boolean_active_still_reactivates(
    client: TestClient, session: Session, scim_key: str
) -> None:
    lee = create_user(client, scim_key, "lee@example.com", active=False)
    back = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{lee['id']}",
        {"op": "replace", "path": "active", "value": True},
    )
    assert back.status_code == 200 and _active(session, "lee@example.com")


def test_put_person_needs_email_and_name_as_documented(client: TestClient, write_key: str) -> None:
    only_active = client.put("/api/v1/people/X1", json={"active": False}, headers=bearer(write_key))
    assert only_active.status_code == 422
    assert {e["pointer"] for e in only_active.json()["errors"]} == {"#/email", "#/name"}


@pytest.mark.parametrize(
    ("method", "url"), [("PUT", "/api/v1/people/X1"), ("POST", "/api/v1/people/batch")]
)
@pytest.mark.parametrize("body", ["{", "[" * 5000 + "]" * 5000, '{"a": ' * 3000 + "1" + "}" * 3000])
def test_an_unreadable_body_is_one_422_pointing_at_the_whole_body(
    client: TestClient, write_key: str, method: str, url: str, body: str
) -> None:
    answer = client.request(
        method,
        url,
        content=body,
        headers={**bearer(write_key), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [{"detail": "body: send valid JSON.", "pointer": "#"}]
