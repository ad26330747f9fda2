"""API v1 people in a batch: managers by external id in any order, loops refused across items."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.api.conftest import bearer


def _p(ext: str, manager: str | None = None, **more: object) -> dict[str, object]:
    found: dict[str, object] = {
        "external_id": ext,
        "email": f"{ext.lower()}@example.com",
        "name": ext,
    }
    if manager:
        found["manager_external_id"] = manager
    return {**found, **more}


def test_a_batch_resolves_managers_named_before_they_appear(
    client: TestClient, session: Session, write_key: str
) -> None:
    body = {"people": [_p("A", "B"), _p("B", "C"), _p("C")]}
    done = client.post("/api/v1/people/batch", json=body, headers=bearer(write_key))
    assert done.status_code == 200, done.text
    assert (done.json()["created"], done.json()["updated"]) == (3, 0)
    users = {u.external_id: u for u in session.exec(select(User))}
    assert users["A"].manager_id == users["B"].id and users["B"].manager_id == users["C"].id
    again = client.post("/api/v1/people/batch", json=body, headers=bearer(write_key))
    assert (again.json()["created"], again.json()["updated"]) == (0, 3)


def test_a_loop_across_the_batch_refuses_all_of_it_naming_the_chain(
    client: TestClient, session: Session, write_key: str
) -> None:
    body = {"people": [_p("A", "B"), _p("B", "C"), _p("C", "A")]}
    refused = client.post("/api/v1/people/batch", json=body, headers=bearer(write_key))
    assert refused.status_code == 422
    problem = refused.json()
    assert "c@example.com → a@example.com → b@example.com → c@example.com" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "#/people/2/manager_external_id"
    assert session.exec(select(User)).all() == []  # all or nothing


def test_a_batch_names_the_bad_item_and_refuses_duplicates_and_size(
    client: TestClient, session: Session, write_key: str
) -> None:
    bad_email = client.post(
        "/api/v1/people/batch",
        json={"people": [_p("A"), _p("B", email="nope")]},
        headers=bearer(write_key),
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["pointer"] == "#/people/1/email"
    twice = client.post(
        "/api/v1/people/batch",
        json={"people": [_p("A"), _p("a", email="x@example.com")]},
        headers=bearer(write_key),
    )
    assert (
        twice.status_code == 422
        and twice.json()["errors"][0]["pointer"] == "#/people/1/external_id"
    )
    lookalike = client.post(
        "/api/v1/people/batch",
        json={"people": [_p("\u0410-1", email="y@example.com")]},
        headers=bearer(write_key),
    )
    assert lookalike.status_code == 422
    assert lookalike.json()["errors"][0]["pointer"] == "#/people/0/external_id"
    huge = client.post(
        "/api/v1/people/batch",
        json={"people": [_p(f"E{i}") for i in range(501)]},
        headers=bearer(write_key),
    )
    assert huge.status_code == 422 and huge.json()["errors"][0]["pointer"] == "#/people"
    assert session.exec(select(User)).all() == []
