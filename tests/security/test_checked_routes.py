"""Every route runs the request checks (sign-in, CSRF, NUL) before anything of its own."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from app.web.request_checks import CheckedRoute, api_routes, require_checked


def test_every_route_of_the_app_is_checked(app: FastAPI) -> None:
    routes = list(api_routes(app.routes))
    assert len(routes) > 50  # the walk sees the included routers' routes
    assert all(isinstance(route, CheckedRoute) for route in routes)


def test_a_router_made_without_the_checks_stops_the_app_from_starting(app: FastAPI) -> None:
    careless = APIRouter()

    @careless.post("/careless")
    def careless_write() -> dict[str, str]:
        return {"written": "yes"}

    app.include_router(careless)
    with pytest.raises(RuntimeError, match="/careless"):
        require_checked(app.routes)


def test_checks_run_before_the_routes_own_dependencies(client: TestClient) -> None:
    """A POST without a CSRF token is refused before the route's role check or form parsing."""
    response = client.post("/hr/people/1/role", data={"role": "hr"})
    assert response.status_code == 403
    assert "Your form expired" in response.text
