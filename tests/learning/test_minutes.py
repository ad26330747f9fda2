"""A module's minutes come from its words and show the same on the dashboard and in the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.keys import create_key
from tests.api.conftest import bearer
from tests.conftest import login
from tests.factories import make_user


def test_dashboard_and_api_show_the_computed_minutes(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    read_key = create_key(session, name="reporting", scopes=["read"], actor_id=None)[1]
    catalog = app.state.catalog
    assert [m.minutes for m in catalog.modules] == [1, 1]  # a few dozen words each
    make_user(session)
    assert login(client, "ana@example.com").status_code == 303
    assert client.get("/").text.count("<span>1 min</span>") == 2
    assert "Module 0 · 1 minute ·" in client.get("/modules/first-steps").text
    listed = client.get("/api/v1/modules", headers=bearer(read_key)).json()
    rows = listed["modules"] if isinstance(listed, dict) else listed
    assert [row["minutes"] for row in rows] == [1, 1]
