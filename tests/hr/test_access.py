"""Only hr and admin reach HR pages and API-key data; every HR route refuses everyone else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent
from tests.conftest import csrf_from, login
from tests.factories import make_user


def routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every route, also those inside included routers (FastAPI includes them lazily)."""

    def walk(items: list[Any]) -> Iterator[APIRoute]:
        for item in items:
            if isinstance(item, APIRoute):
                yield item
            elif hasattr(item, "original_router"):
                yield from walk(item.original_router.routes)
            elif hasattr(item, "routes"):
                yield from walk(item.routes)

    yield from walk(app.routes)


def hr_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = sorted(
        {
            (method, re.sub(r"\{[^}]+\}", "1", route.path))
            for route in routes(app)
            if route.path.startswith("/hr")
            for method in route.methods
            if method != "HEAD"
        }
    )
    assert len(found) >= 20, found  # the walk found the HR feature
    return found


def call(client: TestClient, method: str, path: str, token: str) -> int:
    data = {"csrf_token": token} if method != "GET" else None
    return client.request(method, path, data=data).status_code


def test_every_hr_route_refuses_anonymous_visitors(app: FastAPI) -> None:
    client = TestClient(app, follow_redirects=False)
    token = csrf_from(client.get("/login").text)
    for method, path in hr_routes(app):
        status = call(client, method, path, token)
        assert status in (303, 401, 403), (method, path, status)


@pytest.mark.parametrize("role", ["learner", "facilitator"])
def test_every_hr_route_refuses_learners_and_facilitators(
    app: FastAPI, session: Session, role: str
) -> None:
    make_user(session, "someone@example.com", role=role)
    client = TestClient(app, follow_redirects=False)
    assert login(client, "someone@example.com").status_code == 303  # type: ignore[attr-defined]
    token = csrf_from(client.get("/").text)
    for method, path in hr_routes(app):
        assert call(client, method, path, token) == 403, (method, path)
    assert session.exec(select(AuditEvent)).first() is None  # nothing happened


def test_admin_only_hr_routes_refuse_hr(hr_client: TestClient) -> None:
    token = csrf_from(hr_client.get("/hr").text)
    assert hr_client.get("/hr/audit").status_code == 403
    assert (
        hr_client.post("/hr/api-keys", data={"csrf_token": token, "name": "x"}).status_code == 403
    )
    assert hr_client.post("/hr/api-keys/1/revoke", data={"csrf_token": token}).status_code == 403
    assert (
        hr_client.post("/hr/people/1/role", data={"csrf_token": token, "role": "admin"}).status_code
        == 403
    )


def test_hr_nav_link_shows_only_for_hr_and_admin(
    app: FastAPI, session: Session, hr_client: TestClient
) -> None:
    assert 'href="/hr"' in hr_client.get("/").text
    make_user(session, "learner@example.com")
    learner = TestClient(app, follow_redirects=False)
    login(learner, "learner@example.com")
    assert 'href="/hr"' not in learner.get("/").text


def test_hr_forms_post_without_csrf_token_are_refused(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "ana@example.com")
    response = hr_client.post("/hr/assignments", data={"emails": "ana@example.com"})
    assert response.status_code == 403
