"""Admin pages: the audit log of HR and admin actions, API keys, role changes."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ApiKey, AuditEvent, User
from app.security import token_digest
from tests.conftest import csrf_from
from tests.factories import make_user


def test_audit_log_lists_actions_with_actor_and_filters_by_action(
    admin_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    token = csrf_from(admin_client.get(f"/hr/people/{ana.id}").text)
    admin_client.post(f"/hr/people/{ana.id}/role", data={"csrf_token": token, "role": "hr"})
    admin_client.get("/hr/people/export.csv")
    page = admin_client.get("/hr/audit")
    assert page.status_code == 200
    assert "user.role_change" in page.text and "report.export" in page.text
    assert "admin@example.com" in page.text
    only = admin_client.get("/hr/audit?action=user.role_change").text
    assert "report.export</code>" not in only and "ana@example.com" in only


def test_admin_changes_role_and_it_is_audited(admin_client: TestClient, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    token = csrf_from(admin_client.get(f"/hr/people/{ana.id}").text)
    response = admin_client.post(
        f"/hr/people/{ana.id}/role", data={"csrf_token": token, "role": "facilitator"}
    )
    assert response.status_code == 303
    session.refresh(ana)
    assert ana.role == "facilitator"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.role_change")).one()
    assert '"new": "facilitator"' in event.detail and '"old": "learner"' in event.detail


def test_unknown_role_is_refused_with_message(admin_client: TestClient, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    token = csrf_from(admin_client.get(f"/hr/people/{ana.id}").text)
    response = admin_client.post(
        f"/hr/people/{ana.id}/role", data={"csrf_token": token, "role": "king"}
    )
    assert response.status_code == 422 and "is not a role" in response.text


def test_deactivate_keeps_records_and_blocks_sign_in(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    token = csrf_from(hr_client.get(f"/hr/people/{ana.id}").text)
    hr_client.post(
        f"/hr/people/{ana.id}/active", data={"csrf_token": token, "active": "no", "confirm": "yes"}
    )
    session.refresh(ana)
    assert ana.active is False and session.get(User, ana.id) is not None
    assert "Reactivate" in hr_client.get(f"/hr/people/{ana.id}").text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).one()
    detail = json.loads(event.detail)  # as the bulk action records it (outside test F25)
    assert (detail["before"], detail["after"]) == ({"active": True}, {"active": False})
    assert detail["user_ids"] == [ana.id] and detail["via"] == "person page"


def test_admin_creates_api_key_shown_once_and_stored_hashed_then_revokes(
    admin_client: TestClient, session: Session
) -> None:
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    page = admin_client.post(
        "/hr/api-keys",
        data={
            "csrf_token": token,
            "name": "Workday sync",
            "scopes": ["people:read", "people:write", "assignments:write"],
            "expires_days": "30",
        },
    )
    secret = re.search(r'id="api-key-secret">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    key = session.exec(select(ApiKey)).one()
    assert key.key_hash == token_digest(secret) and secret not in key.key_hash
    assert key.scopes == "people:read people:write assignments:write"
    assert key.expires_at is not None and "expired" not in page.text
    assert secret not in admin_client.get("/hr/api-keys").text
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    admin_client.post(f"/hr/api-keys/{key.id}/revoke", data={"csrf_token": token})
    session.refresh(key)
    assert key.revoked_at is not None


def test_api_key_with_bad_name_rerenders_with_422(admin_client: TestClient) -> None:
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    response = admin_client.post(
        "/hr/api-keys", data={"csrf_token": token, "name": "<script>", "scopes": "people:read"}
    )
    assert response.status_code == 422 and "Name the key" in response.text


def test_api_key_with_bad_scope_or_expiry_rerenders_with_422(admin_client: TestClient) -> None:
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    scope = admin_client.post(
        "/hr/api-keys", data={"csrf_token": token, "name": "k1", "scopes": ["root"]}
    )
    assert scope.status_code == 422 and "Unknown scope" in scope.text
    expiry = admin_client.post(
        "/hr/api-keys",
        data={"csrf_token": token, "name": "k2", "scopes": "people:read", "expires_days": "99999"},
    )
    assert expiry.status_code == 422 and "1 to 3660" in expiry.text


@pytest.mark.parametrize("days", ["-1", "abc", "1.5", "0", "100000", "9" * 19])
def test_api_key_expiry_problems_all_say_the_same(admin_client: TestClient, days: str) -> None:
    """R4: one message for every bad expiry, naming the real limit."""
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    data = {"csrf_token": token, "name": "k", "scopes": "people:read", "expires_days": days}
    response = admin_client.post("/hr/api-keys", data=data)
    assert response.status_code == 422
    assert "give a whole number from 1 to 3660, or leave it empty" in unescape(response.text)


def test_api_key_with_no_scope_ticked_is_refused(
    admin_client: TestClient, session: Session
) -> None:
    """R4: unticking every scope never creates a key with default scopes."""
    token = csrf_from(admin_client.get("/hr/api-keys").text)
    response = admin_client.post("/hr/api-keys", data={"csrf_token": token, "name": "none"})
    assert response.status_code == 422
    assert "Scopes: tick at least one scope" in response.text
    assert session.exec(select(ApiKey)).first() is None


def test_hr_cannot_open_the_api_keys_page(hr_client: TestClient) -> None:
    assert hr_client.get("/hr/api-keys").status_code == 403
