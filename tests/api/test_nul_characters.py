"""A NUL character in the address, the query, a form or a JSON body gets a 422, never a 500.

PostgreSQL cannot store NUL in text (the driver raises); schemathesis found it through
PUT /api/v1/people/{external_id}. Nothing is written by a refused request.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Reflection, User
from tests.api.conftest import bearer
from tests.conftest import login, post_form
from tests.factories import make_user


def test_json_body_with_nul_is_refused_with_the_field_named(
    client: TestClient, session: Session, write_key: str
) -> None:
    response = client.put(
        "/api/v1/people/E1",
        json={"email": "ana@example.com", "name": "Ana\u0000"},
        headers=bearer(write_key),
    )
    assert response.status_code == 422
    assert "name" in response.text and "NUL" in response.text
    assert session.exec(select(User).where(User.external_id == "E1")).first() is None


def test_nul_in_the_address_or_query_is_refused(client: TestClient, write_key: str) -> None:
    assert client.get("/verify/AB%00CD").status_code == 404  # no such page
    assert client.get("/api/v1/people/E%001", headers=bearer(write_key)).status_code == 422
    response = client.get("/api/v1/progress?cursor=%00", headers=bearer(write_key))
    assert response.status_code == 422 and "cursor" in response.text


def test_form_field_with_nul_is_refused_and_nothing_saved(
    client: TestClient, session: Session
) -> None:
    make_user(session, "learner@example.com")
    login(client, "learner@example.com")
    response = post_form(
        client, "/modules/first-steps/reflection", {"text": "I will speak up\u0000"}
    )
    assert response.status_code == 422
    assert "Your private reflection: remove the NUL character" in response.text
    assert 'aria-invalid="true"' in response.text
    assert session.exec(select(Reflection)).first() is None
