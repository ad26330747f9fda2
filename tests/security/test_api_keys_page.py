"""The API-keys page and its forms are for admins only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.models import ApiKey
from tests.conftest import csrf_from


def test_hr_gets_403_on_the_api_keys_page_and_its_forms(hr: TestClient, session: Session) -> None:
    key, _secret = create_key(session, name="Workday", scopes=["read"], actor_id=None)
    token = csrf_from(hr.get("/hr").text)
    page = hr.get("/hr/api-keys")
    assert page.status_code == 403 and "Workday" not in page.text
    assert hr.post("/hr/api-keys", data={"csrf_token": token, "name": "mine"}).status_code == 403
    revoke = hr.post(f"/hr/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert revoke.status_code == 403
    assert [k.name for k in session.exec(select(ApiKey))] == ["Workday"]
    session.refresh(key)
    assert key.revoked_at is None
    assert 'href="/hr/api-keys"' not in hr.get("/hr").text


def test_admin_gets_200_on_the_api_keys_page_and_can_create_a_key(admin: TestClient) -> None:
    page = admin.get("/hr/api-keys")
    assert page.status_code == 200 and 'href="/hr/api-keys"' in admin.get("/hr").text
    created = admin.post(
        "/hr/api-keys",
        data={"csrf_token": csrf_from(page.text), "name": "Workday", "scopes": "people:read"},
    )
    assert created.status_code == 200 and 'id="api-key-secret"' in created.text
