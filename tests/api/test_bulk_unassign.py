"""API v1 bulk unassign: all or nothing, history kept, Idempotency-Key, scopes and limits."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api import assignments, rate
from app.api.keys import create_key
from app.api.schemas import BulkUnassignIn
from app.clock import utcnow
from app.db import write_session
from app.models import (
    ApiIdempotency,
    ApiKey,
    Assignment,
    AuditEvent,
    Completion,
    Event,
    QuizAttempt,
    RemovedAssignment,
    User,
)
from tests.api.conftest import bearer
from tests.concurrency import at_once
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion

URL = "/api/v1/assignments/bulk-remove"
BOTH = ["first-steps", "second-steps"]


def _person(session: Session, ext: str, email: str, **kw: object) -> User:
    user = make_user(session, email, **kw)  # type: ignore[arg-type]
    user.external_id = ext
    session.add(user)
    session.commit()
    return user


def _one_assigned(session: Session) -> dict[str, list[str]]:
    """E1 with first-steps assigned; the body that unassigns it."""
    make_assignment(session, _person(session, "E1", "a@example.com"), "first-steps")
    return {"external_ids": ["E1"], "module_ids": ["first-steps"]}


def _key(write_key: str, idempotency_key: str = "remove-1") -> dict[str, str]:
    return {**bearer(write_key), "Idempotency-Key": idempotency_key}


def test_bulk_unassign_keeps_history_and_reports_what_was_not_assigned(
    client: TestClient, session: Session, write_key: str
) -> None:
    ana = _person(session, "E1", "a@example.com")
    bo = _person(session, "E2", "b@example.com", active=False)  # a leaver can be unassigned
    cy = _person(session, "E3", "c@example.com")
    for m in BOTH:
        make_assignment(session, ana, m)
    make_attempt(session, ana, "first-steps")
    make_completion(session, ana, "first-steps")
    make_assignment(session, bo, "first-steps")
    make_assignment(session, cy, "first-steps")  # not named: stays
    body = {"external_ids": ["e1", "E2", "E1"], "module_ids": BOTH}
    done = client.post(URL, json=body, headers=_key(write_key))
    assert done.status_code == 200, done.text
    assert done.json() == {
        "people": 2,
        "removed": 3,
        "not_assigned": 1,
        "results": [
            {"external_id": "E1", "removed": BOTH, "not_assigned": []},
            {"external_id": "E2", "removed": ["first-steps"], "not_assigned": ["second-steps"]},
        ],
    }
    assert "RateLimit" in done.headers and "Idempotent-Replayed" not in done.headers
    left = session.exec(select(Assignment)).all()
    assert [(a.user_id, a.module_id) for a in left] == [(cy.id, "first-steps")]
    removed = session.exec(select(RemovedAssignment)).all()
    assert sorted((r.user_id, r.module_id) for r in removed) == sorted(
        [(ana.id, "first-steps"), (ana.id, "second-steps"), (bo.id, "first-steps")]
    )
    assert {r.removed_via for r in removed} == {"api:hr-system"}
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    assert len(session.exec(select(Completion)).all()) == 1
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "assignment.remove")).all()
    assert len(audited) == 3
    assert all(json.loads(a.detail)["due"]["new"] is None for a in audited)
    assert all(json.loads(a.detail)["due"]["old"] for a in audited)
    summary = session.exec(
        select(AuditEvent).where(AuditEvent.action == "api.assignment_bulk_remove")
    ).one()
    assert json.loads(summary.detail)["idempotency_key"] == "remove-1"
    events = session.exec(select(Event).where(Event.kind == "assignment.removed")).all()
    assert len(events) == 3
    listed = client.get("/api/v1/people/E1/assignments", headers=bearer(write_key))
    assert listed.json() == []


def test_bulk_unassign_is_all_or_nothing_with_a_pointer_per_unknown_item(
    client: TestClient, session: Session, write_key: str
) -> None:
    ana = _person(session, "E1", "a@example.com")
    make_assignment(session, ana, "first-steps")
    body = {"external_ids": ["E1", "NOPE"], "module_ids": ["first-steps", "zzz"]}
    bad = client.post(URL, json=body, headers=_key(write_key))
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {e["pointer"] for e in bad.json()["errors"]} == {"#/external_ids/1", "#/module_ids/1"}
    assert len(session.exec(select(Assignment)).all()) == 1
    assert session.exec(select(RemovedAssignment)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action != "apikey.create")).all() == []
    fixed = client.post(  # a refused request stored nothing: the key can be used again
        URL, json={"external_ids": ["E1"], "module_ids": ["first-steps"]}, headers=_key(write_key)
    )
    assert fixed.status_code == 200 and fixed.json()["removed"] == 1


def test_bulk_unassign_replays_the_same_key_and_removes_nothing_twice(
    client: TestClient, session: Session, write_key: str
) -> None:
    body = _one_assigned(session)
    first = client.post(URL, json=body, headers=_key(write_key))
    assert first.status_code == 200 and first.json()["removed"] == 1
    ana = session.exec(select(User).where(User.external_id == "E1")).one()
    make_assignment(session, ana, "first-steps")  # assigned again behind the API's back
    second = client.post(URL, json=body, headers=_key(write_key))
    assert second.content == first.content and second.headers["Idempotent-Replayed"] == "true"
    assert len(session.exec(select(Assignment)).all()) == 1  # replayed, not run again
    assert len(session.exec(select(RemovedAssignment)).all()) == 1
    other = client.post(URL, json={**body, "module_ids": ["second-steps"]}, headers=_key(write_key))
    assert other.status_code == 422
    assert other.json()["errors"][0]["parameter"] == "idempotency-key"
    assert len(session.exec(select(Assignment)).all()) == 1


def test_a_bulk_assign_key_is_not_replayed_by_bulk_unassign(
    client: TestClient, session: Session, write_key: str
) -> None:
    _person(session, "E1", "a@example.com")
    body = {"external_ids": ["E1"], "module_ids": ["first-steps"]}
    made = client.post("/api/v1/assignments/bulk", json=body, headers=_key(write_key, "k"))
    assert made.status_code == 200
    refused = client.post(URL, json=body, headers=_key(write_key, "k"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["parameter"] == "idempotency-key"
    assert len(session.exec(select(Assignment)).all()) == 1


def test_two_bulk_unassigns_with_one_idempotency_key_at_once_remove_once(
    app: FastAPI, session: Session
) -> None:
    for i in range(3):
        user = _person(session, f"E{i}", f"p{i}@example.com")
        make_assignment(session, user, "first-steps")
    key, _secret = create_key(session, name="sync", scopes=["assignments:write"], actor_id=None)
    body = BulkUnassignIn(external_ids=["E0", "E1", "E2"], module_ids=["first-steps"])

    def send() -> tuple[int, str, bool]:
        with write_session(app.state.engine) as own:
            found = own.exec(select(ApiKey).where(ApiKey.id == key.id)).one()
            return assignments.bulk_remove(
                own, app.state.catalog, key=found, body=body, idempotency_key="same-key"
            )

    first, second = at_once(send, send)
    assert first[1] == second[1]  # the same answer, byte for byte
    assert json.loads(first[1])["removed"] == 3
    assert sorted([first[2], second[2]]) == [False, True]  # one ran, one replayed
    assert session.exec(select(Assignment)).all() == []
    assert len(session.exec(select(RemovedAssignment)).all()) == 3
    assert len(session.exec(select(Event).where(Event.kind == "assignment.removed")).all()) == 3
    assert len(session.exec(select(ApiIdempotency)).all()) == 1


def test_bulk_unassign_needs_the_assignments_write_scope(
    client: TestClient, session: Session, read_key: str
) -> None:
    body = _one_assigned(session)
    _k, people_only = create_key(
        session, name="people", scopes=["people:read", "people:write"], actor_id=None
    )
    for secret in (read_key, people_only):
        refused = client.post(URL, json=body, headers=_key(secret))
        assert refused.status_code == 403 and "assignments:write" in refused.json()["detail"]
    anonymous = client.post(URL, json=body, headers={"Idempotency-Key": "x"})
    assert anonymous.status_code == 401
    assert len(session.exec(select(Assignment)).all()) == 1


def test_bulk_unassign_needs_an_idempotency_key_and_limits_its_size(
    client: TestClient, write_key: str
) -> None:
    body = {"external_ids": ["E1"], "module_ids": ["first-steps"]}
    missing = client.post(URL, json=body, headers=bearer(write_key))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["parameter"] == "idempotency-key"
    odd = client.post(URL, json=body, headers=_key(write_key, "a b"))
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["parameter"] == "idempotency-key"
    for field, items in (("external_ids", 1001), ("module_ids", 51)):
        huge = {**body, field: [f"x{i}" for i in range(items)]}
        too_many = client.post(URL, json=huge, headers=_key(write_key))
        assert too_many.status_code == 422
        assert too_many.json()["errors"][0]["pointer"] == f"#/{field}"
    extra = client.post(URL, json={**body, "due_at": None}, headers=_key(write_key))
    assert extra.status_code == 422 and extra.json()["errors"][0]["pointer"] == "#/due_at"
    megabytes = client.post(
        URL,
        content=b'{"external_ids": ["' + b"E" * 2_000_000 + b'"]}',
        headers={**_key(write_key), "Content-Type": "application/json"},
    )
    assert megabytes.status_code == 413
    assert megabytes.headers["content-type"] == "application/problem+json"


def test_bulk_unassign_counts_against_the_key_s_rate_limit(
    client: TestClient,
    app: FastAPI,
    session: Session,
    write_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = utcnow().replace(second=30)  # the three in one calendar-minute window
    monkeypatch.setattr(rate, "utcnow", lambda: now)
    app.state.settings = app.state.settings.model_copy(update={"api_rate_per_minute": 2})
    body = {"external_ids": ["E1"], "module_ids": ["first-steps"]}
    _person(session, "E1", "a@example.com")
    answers = [client.post(URL, json=body, headers=_key(write_key, f"r{i}")) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["RateLimit"].startswith('"per-key";r=0;')
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert "Retry-After" in answers[2].headers
