"""API v1 assignments: assign, read with status, move the due date, unassign with history, bulk."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.clock import utcnow
from app.models import Assignment, AuditEvent, Completion, QuizAttempt, RemovedAssignment, User
from tests.api.conftest import bearer
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion

DUE = (utcnow() + timedelta(days=20)).date().isoformat() + "T12:00:00Z"


def _person(
    session: Session, ext: str = "E1", email: str = "ana@example.com", **kw: object
) -> User:
    user = make_user(session, email, **kw)  # type: ignore[arg-type]
    user.external_id = ext
    session.add(user)
    session.commit()
    return user


def test_assign_one_module_is_201_with_location_then_200_with_status(
    client: TestClient, session: Session, write_key: str
) -> None:
    _person(session)
    url = "/api/v1/people/E1/assignments/first-steps"
    made = client.put(url, json={"due_at": DUE}, headers=bearer(write_key))
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == url
    assert made.json()["status"] == "not started"
    assert made.json()["due_at"].startswith(DUE[:10] + "T23:59:59")
    assert client.get(made.headers["Location"], headers=bearer(write_key)).status_code == 200
    again = client.put(url, json={}, headers=bearer(write_key))
    assert again.status_code == 200 and "Location" not in again.headers
    listed = client.get("/api/v1/people/e1/assignments", headers=bearer(write_key))
    assert [a["module_id"] for a in listed.json()] == ["first-steps"]


def test_assign_moves_the_due_date_of_an_existing_assignment_and_audits_old_and_new(
    client: TestClient, session: Session, write_key: str
) -> None:
    user = _person(session)
    make_assignment(session, user, due_at=utcnow() + timedelta(days=3))
    moved = client.put(
        "/api/v1/people/E1/assignments/first-steps", json={"due_at": DUE}, headers=bearer(write_key)
    )
    assert moved.status_code == 200 and moved.json()["due_at"].startswith(DUE[:10])
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "assignment.due_change")
    ).one()
    due = json.loads(event.detail)["due"]
    assert due["old"] != due["new"] and due["new"].startswith(DUE[:10])


def test_assign_refuses_past_due_unknown_module_and_a_leaver(
    client: TestClient, session: Session, write_key: str
) -> None:
    _person(session)
    _person(session, "E2", "left@example.com", active=False)
    past = client.put(
        "/api/v1/people/E1/assignments/first-steps",
        json={"due_at": "2020-01-01T00:00:00Z"},
        headers=bearer(write_key),
    )
    assert past.status_code == 422
    assert past.json()["errors"] == [
        {"detail": past.json()["errors"][0]["detail"], "pointer": "#/due_at"}
    ]
    unknown = client.put("/api/v1/people/E1/assignments/nope", json={}, headers=bearer(write_key))
    assert unknown.status_code == 404
    leaver = client.put(
        "/api/v1/people/E2/assignments/first-steps", json={}, headers=bearer(write_key)
    )
    assert leaver.status_code == 409 and "deactivated" in leaver.json()["detail"]
    assert session.exec(select(Assignment)).all() == []


def test_status_follows_attempts_and_completion(
    client: TestClient, session: Session, read_key: str
) -> None:
    user = _person(session)
    make_assignment(session, user, "first-steps")
    make_assignment(session, user, "second-steps")
    make_attempt(session, user, "first-steps", points={"standup": 1, "review": 0})
    make_completion(session, user, "second-steps")
    found = client.get("/api/v1/people/E1/assignments", headers=bearer(read_key)).json()
    assert {a["module_id"]: a["status"] for a in found} == {
        "first-steps": "in progress",
        "second-steps": "complete",
    }


def test_unassign_keeps_history_attempts_and_completions(
    client: TestClient, session: Session, write_key: str
) -> None:
    user = _person(session)
    make_assignment(session, user, "first-steps")
    make_attempt(session, user, "first-steps")
    make_completion(session, user, "first-steps")
    gone = client.delete("/api/v1/people/E1/assignments/first-steps", headers=bearer(write_key))
    assert gone.status_code == 204, gone.text
    assert session.exec(select(Assignment)).all() == []
    removed = session.exec(select(RemovedAssignment)).one()
    assert (removed.module_id, removed.removed_via) == ("first-steps", "api:hr-system")
    assert removed.removed_at is not None
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    assert len(session.exec(select(Completion)).all()) == 1
    twice = client.delete("/api/v1/people/E1/assignments/first-steps", headers=bearer(write_key))
    assert twice.status_code == 404
    assert twice.headers["content-type"] == "application/problem+json"


def test_assigning_a_finished_course_again_starts_a_new_cycle(
    client: TestClient, session: Session, write_key: str
) -> None:
    user = _person(session)
    for m in ("first-steps", "second-steps"):
        make_completion(session, user, m)
    made = client.put(
        "/api/v1/people/E1/assignments/first-steps", json={}, headers=bearer(write_key)
    )
    assert made.status_code == 201 and made.json()["status"] == "not started"
    session.refresh(user)
    assert user.cycle == 2


def test_bulk_assign_replays_the_first_answer_for_the_same_key(
    client: TestClient, session: Session, write_key: str
) -> None:
    _person(session, "E1", "a@example.com")
    _person(session, "E2", "b@example.com")
    body = {"external_ids": ["E1", "e2"], "module_ids": ["first-steps"], "due_at": DUE}
    headers = {**bearer(write_key), "Idempotency-Key": "sync-2026-12-07"}
    first = client.post("/api/v1/assignments/bulk", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["people"], first.json()["created"]) == (2, 2)
    session.exec(select(Assignment)).all()
    for row in session.exec(select(Assignment)):
        session.delete(row)  # what the first request did is undone behind the API's back
    session.commit()
    second = client.post("/api/v1/assignments/bulk", json=body, headers=headers)
    assert second.content == first.content and second.headers["Idempotent-Replayed"] == "true"
    assert session.exec(select(Assignment)).all() == []  # replayed, not run again
    other = client.post(
        "/api/v1/assignments/bulk", json={**body, "module_ids": ["second-steps"]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["parameter"] == "idempotency-key"


def test_bulk_assign_is_all_or_nothing_with_a_pointer_per_bad_item(
    client: TestClient, session: Session, write_key: str
) -> None:
    _person(session, "E1", "a@example.com")
    _person(session, "E3", "c@example.com", active=False)
    body = {"external_ids": ["E1", "NOPE", "E3"], "module_ids": ["first-steps", "zzz"]}
    headers = {**bearer(write_key), "Idempotency-Key": "k1"}
    bad = client.post("/api/v1/assignments/bulk", json=body, headers=headers)
    assert bad.status_code == 422
    pointers = {e["pointer"] for e in bad.json()["errors"]}
    assert pointers == {"#/external_ids/1", "#/external_ids/2", "#/module_ids/1"}
    assert session.exec(select(Assignment)).all() == []
    fixed = client.post(
        "/api/v1/assignments/bulk",
        json={"external_ids": ["E1"], "module_ids": ["first-steps"]},
        headers=headers,  # a refused request stored nothing: the key can be used again
    )
    assert fixed.status_code == 200


def test_bulk_assign_needs_an_idempotency_key_and_limits_its_size(
    client: TestClient, write_key: str
) -> None:
    body = {"external_ids": ["E1"], "module_ids": ["first-steps"]}
    missing = client.post("/api/v1/assignments/bulk", json=body, headers=bearer(write_key))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["parameter"] == "idempotency-key"
    huge = {"external_ids": [f"E{i}" for i in range(1001)], "module_ids": ["first-steps"]}
    too_many = client.post(
        "/api/v1/assignments/bulk", json=huge, headers={**bearer(write_key), "Idempotency-Key": "x"}
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["pointer"] == "#/external_ids"
    megabytes = client.post(
        "/api/v1/assignments/bulk",
        content=b'{"external_ids": ["' + b"E" * 2_000_000 + b'"]}',
        headers={**bearer(write_key), "Idempotency-Key": "y", "Content-Type": "application/json"},
    )
    assert megabytes.status_code == 413
    assert megabytes.headers["content-type"] == "application/problem+json"


def test_assignment_scopes_are_separate_from_people_scopes(
    client: TestClient, session: Session
) -> None:
    _person(session)
    _key, people_only = create_key(
        session, name="people", scopes=["people:read", "people:write"], actor_id=None
    )
    refused = client.put(
        "/api/v1/people/E1/assignments/first-steps", json={}, headers=bearer(people_only)
    )
    assert refused.status_code == 403 and "assignments:write" in refused.json()["detail"]
    _key, reader = create_key(session, name="reader", scopes=["assignments:read"], actor_id=None)
    assert client.get("/api/v1/people/E1/assignments", headers=bearer(reader)).status_code == 200
    assert (
        client.delete(
            "/api/v1/people/E1/assignments/first-steps", headers=bearer(reader)
        ).status_code
        == 403
    )


def test_if_match_guards_unassigning_and_moving_an_assignment(
    client: TestClient, session: Session, write_key: str
) -> None:
    user = _person(session)
    make_assignment(session, user, "first-steps")
    url = "/api/v1/people/E1/assignments/first-steps"
    tag = client.get(url, headers=bearer(write_key)).headers["ETag"]
    moved = client.put(url, json={"due_at": DUE}, headers={**bearer(write_key), "If-Match": tag})
    assert moved.status_code == 200
    stale = client.delete(url, headers={**bearer(write_key), "If-Match": tag})
    assert stale.status_code == 412 and len(session.exec(select(Assignment)).all()) == 1
    fresh = client.delete(url, headers={**bearer(write_key), "If-Match": moved.headers["ETag"]})
    assert fresh.status_code == 204
