"""API v1 conventions: problem details, keys (scopes, expiry), ETag and If-Match, Location."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key, effective_scopes
from app.clock import utcnow
from app.hr import person as hr_person
from app.models import ApiKey, AuditEvent, User
from app.security import token_digest
from tests.api.conftest import bearer
from tests.factories import make_user

PROBLEM = "application/problem+json"
BODY = {"email": "ana@example.com", "name": "Ana"}


def test_unknown_path_and_wrong_method_under_api_are_problem_json(
    client: TestClient, read_key: str
) -> None:
    missing = client.get("/api/v1/nothing-here", headers=bearer(read_key))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert missing.json()["status"] == 404
    wrong = client.post("/api/v1/modules", headers=bearer(read_key))
    assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM
    assert "GET" in wrong.headers["allow"]


def test_validation_errors_name_each_field_by_pointer_or_parameter(
    client: TestClient, write_key: str
) -> None:
    bad = client.put(
        "/api/v1/people/E1",
        json={"email": 5, "name": "", "extra": 1},
        headers=bearer(write_key),
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    pointers = {e["pointer"] for e in bad.json()["errors"]}
    assert {"#/email", "#/name", "#/extra"} <= pointers
    query = client.get("/api/v1/progress?limit=0", headers=bearer(write_key))
    assert query.json()["errors"][0]["parameter"] == "limit"
    service_side = client.put(
        "/api/v1/people/E1",
        json={"email": "not-an-address", "name": "A"},
        headers=bearer(write_key),
    )
    assert service_side.json()["errors"][0]["pointer"] == "#/email"


def test_401_says_why_and_sends_www_authenticate(client: TestClient, session: Session) -> None:
    none = client.get("/api/v1/modules")
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    key, secret = create_key(
        session, name="old", scopes=["people:read"], actor_id=None, expires_in_days=1
    )
    key.expires_at = utcnow() - timedelta(minutes=1)
    session.add(key)
    session.commit()
    expired = client.get("/api/v1/people", headers=bearer(secret))
    assert expired.status_code == 401 and "expired on" in expired.json()["detail"]
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    _key, revoked = create_key(session, name="gone", scopes=["people:read"], actor_id=None)
    row = session.exec(select(ApiKey).where(ApiKey.name == "gone")).one()
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()
    assert "revoked" in client.get("/api/v1/people", headers=bearer(revoked)).json()["detail"]


def test_key_expiry_is_set_at_creation_and_bounded(session: Session) -> None:
    key, _secret = create_key(
        session, name="month", scopes=["people:read"], actor_id=None, expires_in_days=30
    )
    assert key.expires_at is not None
    assert timedelta(days=29) < key.expires_at - utcnow() < timedelta(days=31)
    with pytest.raises(Exception, match="from 1 to 3660"):
        create_key(session, name="never", scopes=["people:read"], actor_id=None, expires_in_days=0)


def test_a_people_read_key_cannot_write_and_old_read_write_keys_still_work(
    client: TestClient, session: Session
) -> None:
    _key, reader = create_key(session, name="reader", scopes=["people:read"], actor_id=None)
    refused = client.put("/api/v1/people/E1", json=BODY, headers=bearer(reader))
    assert refused.status_code == 403 and "people:write" in refused.json()["detail"]
    # A key stored before per-resource scopes, exactly as the old code stored it.
    session.add(
        ApiKey(
            name="legacy", prefix="ak_old", key_hash=token_digest("ak_old_x"), scopes="read write"
        )
    )
    session.commit()
    assert client.put("/api/v1/people/E1", json=BODY, headers=bearer("ak_old_x")).status_code == 201
    assert client.get("/api/v1/progress", headers=bearer("ak_old_x")).status_code == 200
    assert "scim" not in effective_scopes("read write")
    assert effective_scopes("read") >= {"people:read", "assignments:read", "reports:read"}


def test_etag_on_read_and_if_match_refuses_a_stale_write(
    client: TestClient, write_key: str
) -> None:
    made = client.put("/api/v1/people/E1", json=BODY, headers=bearer(write_key))
    assert made.status_code == 201 and made.headers["Location"] == "/api/v1/people/E1"
    read = client.get("/api/v1/people/E1", headers=bearer(write_key))
    tag = read.headers["ETag"]
    assert tag.startswith('"') and tag == made.headers["ETag"]
    not_modified = client.get(
        "/api/v1/people/E1", headers={**bearer(write_key), "If-None-Match": tag}
    )
    assert not_modified.status_code == 304
    fresh = client.put(
        "/api/v1/people/E1",
        json={**BODY, "name": "Ana B"},
        headers={**bearer(write_key), "If-Match": tag},
    )
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag
    stale = client.put(
        "/api/v1/people/E1",
        json={**BODY, "name": "Ana C"},
        headers={**bearer(write_key), "If-Match": tag},
    )
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    for odd in (f"W/{fresh.headers['ETag']}", "garbage", '"', ""):
        odd_answer = client.put(
            "/api/v1/people/E1", json=BODY, headers={**bearer(write_key), "If-Match": odd}
        )
        assert odd_answer.status_code == 412, odd
    star_new = client.put(
        "/api/v1/people/E9",
        json={**BODY, "email": "x@example.com"},
        headers={**bearer(write_key), "If-Match": "*"},
    )
    assert star_new.status_code == 412
    assert client.get("/api/v1/people/E1", headers=bearer(write_key)).json()["name"] == "Ana B"


def test_a_stale_nightly_put_never_reactivates_a_leaver(
    client: TestClient, session: Session, write_key: str
) -> None:
    """The known bug: HR deactivated someone, then the nightly sync's full record came in."""
    client.put("/api/v1/people/E1", json=BODY, headers=bearer(write_key))
    nightly_tag = client.get("/api/v1/people/E1", headers=bearer(write_key)).headers["ETag"]
    hr = make_user(session, "hr@example.com", role="hr")
    person = session.exec(select(User).where(User.external_id == "E1")).one()
    hr_person.set_active(session, actor=hr, user_id=person.id or 0, active=False)
    with_tag = client.put(
        "/api/v1/people/E1", json=BODY, headers={**bearer(write_key), "If-Match": nightly_tag}
    )
    assert with_tag.status_code == 412
    without_active = client.put("/api/v1/people/E1", json=BODY, headers=bearer(write_key))
    assert without_active.status_code == 200 and without_active.json()["active"] is False
    explicit = client.put(
        "/api/v1/people/E1", json={**BODY, "active": True}, headers=bearer(write_key)
    )
    assert explicit.json()["active"] is True


def test_every_api_write_audits_each_changed_field_old_and_new(
    client: TestClient, session: Session, write_key: str
) -> None:
    client.put("/api/v1/people/E1", json={**BODY, "department": "Sales"}, headers=bearer(write_key))
    client.put(
        "/api/v1/people/E1",
        json={**BODY, "name": "Ana B", "department": "Legal", "active": False},
        headers=bearer(write_key),
    )
    update = session.exec(select(AuditEvent).where(AuditEvent.action == "api.person_update")).one()
    changes = json.loads(update.detail)["changes"]
    assert changes == {
        "name": {"old": "Ana", "new": "Ana B"},
        "department": {"old": "Sales", "new": "Legal"},
        "active": {"old": True, "new": False},
    }
    create = session.exec(select(AuditEvent).where(AuditEvent.action == "api.person_create")).one()
    assert json.loads(create.detail)["changes"]["email"] == {"old": None, "new": "ana@example.com"}


def test_external_ids_match_without_case_and_lookalikes_are_refused(
    client: TestClient, session: Session, write_key: str
) -> None:
    client.put("/api/v1/people/E42", json=BODY, headers=bearer(write_key))
    again = client.put(
        "/api/v1/people/%20e42%20", json={**BODY, "name": "B"}, headers=bearer(write_key)
    )
    assert again.status_code == 200 and again.json()["external_id"] == "E42"
    cyrillic = client.put(
        "/api/v1/people/\u041542",
        json={**BODY, "email": "z@example.com"},
        headers=bearer(write_key),
    )
    assert cyrillic.status_code == 422
    assert "CYRILLIC CAPITAL LETTER IE" in cyrillic.json()["detail"]
    assert cyrillic.json()["errors"][0]["parameter"] == "external_id"
    assert client.get("/api/v1/people/\u041542", headers=bearer(write_key)).status_code == 404
    assert len(session.exec(select(User)).all()) == 1


def test_managers_by_external_id_and_loops_are_refused_with_the_chain(
    client: TestClient, write_key: str
) -> None:
    h = bearer(write_key)
    client.put("/api/v1/people/M1", json={"email": "m1@example.com", "name": "M1"}, headers=h)
    made = client.put(
        "/api/v1/people/P1",
        json={"email": "p1@example.com", "name": "P1", "manager_external_id": "m1"},
        headers=h,
    )
    assert made.json()["manager_external_id"] == "M1"
    loop = client.put(
        "/api/v1/people/M1",
        json={"email": "m1@example.com", "name": "M1", "manager_external_id": "P1"},
        headers=h,
    )
    assert loop.status_code == 422
    assert "m1@example.com → p1@example.com → m1@example.com" in loop.json()["detail"]
    assert loop.json()["errors"][0]["pointer"] == "#/manager_external_id"
    unknown = client.put(
        "/api/v1/people/P2",
        json={"email": "p2@example.com", "name": "P2", "manager_external_id": "NOBODY"},
        headers=h,
    )
    assert unknown.status_code == 422


def test_departments_and_people_changed_since(
    client: TestClient, session: Session, write_key: str
) -> None:
    h = bearer(write_key)
    old = make_user(session, "old@example.com")
    old.updated_at = utcnow() - timedelta(days=3)
    session.add(old)
    session.commit()
    session.exec(select(User)).all()
    since = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    for i in range(3):
        client.put(
            f"/api/v1/people/E{i}",
            json={"email": f"p{i}@example.com", "name": "P", "department": "Sales"},
            headers=h,
        )
    depts = client.get("/api/v1/departments", headers=h).json()
    assert [(d["name"], d["people"]) for d in depts] == [("Sales", 3)]
    first = client.get(f"/api/v1/people?updated_since={since}&limit=2", headers=h).json()
    assert [p["external_id"] for p in first["items"]] == ["E0", "E1"]
    rest = client.get(f"/api/v1/people?limit=2&cursor={first['next_cursor']}", headers=h).json()
    assert [p["external_id"] for p in rest["items"]] == ["E2"] and rest["next_cursor"] is None
    everyone = client.get("/api/v1/people", headers=h).json()["items"]
    assert everyone[0]["email"] == "old@example.com"


def test_a_change_made_in_the_app_shows_in_people_updated_since(
    client: TestClient, session: Session, write_key: str
) -> None:
    client.put("/api/v1/people/E1", json=BODY, headers=bearer(write_key))
    person = session.exec(select(User).where(User.external_id == "E1")).one()
    person.updated_at = utcnow() - timedelta(days=2)
    session.add(person)
    session.commit()
    since = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    url = f"/api/v1/people?updated_since={since}"
    assert client.get(url, headers=bearer(write_key)).json()["items"] == []
    hr = make_user(session, "hr@example.com", role="hr")
    hr_person.set_active(session, actor=hr, user_id=person.id or 0, active=False)
    items = client.get(url, headers=bearer(write_key)).json()["items"]
    assert {(p["email"], p["active"]) for p in items} == {
        ("ana@example.com", False),
        ("hr@example.com", True),  # made just now, so changed since too
    }
