"""Small SCIM request builders shared by the SCIM tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def headers(secret: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json", **more}


def user_body(email: str, name: str = "Ana Example", **extension: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [USER], "userName": email, "displayName": name}
    if extension:
        body["schemas"] = [USER, ENTERPRISE]
        body[ENTERPRISE] = extension
    return body


def create_user(
    client: TestClient,
    secret: str,
    email: str,
    extension: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A new User (with the enterprise `extension` when given); fails the test unless 201."""
    body = {**user_body(email, **(extension or {})), **fields}
    response = client.post("/scim/v2/Users", json=body, headers=headers(secret))
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


def patch(
    client: TestClient, secret: str, url: str, *operations: dict[str, Any], **more: str
) -> Response:
    body = {"schemas": [PATCH], "Operations": list(operations)}
    return client.patch(url, json=body, headers=headers(secret, **more))
