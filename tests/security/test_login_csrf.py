"""Login CSRF: a __Host- CSRF cookie under https, and sign-ins from other origins refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user

FOREIGN = "https://evil.example"


def sign_in(client: TestClient, origin: str | None, *, token: str | None = "from-page") -> int:
    page = client.get("/login")
    data = {"email": "ana@example.com", "password": PASSWORD}
    if token == "from-page":
        data["csrf_token"] = csrf_from(page.text)
    headers = {"Origin": origin} if origin is not None else {}
    return client.post("/login", data=data, headers=headers).status_code


@pytest.fixture
def https_app(settings: Settings) -> Iterator[FastAPI]:
    secure = settings.model_copy(update={"https": True, "base_url": "https://learn.example.org"})
    application = create_app(secure)
    yield application
    application.state.engine.dispose()


def test_foreign_origin_sign_in_is_refused_with_a_clear_message(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        headers={"Origin": FOREIGN},
    )
    assert response.status_code == 403
    assert "sent from another site" in response.text and "evil.example" in response.text
    assert "allyship_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "origin", ["null", "http://testserver.evil.example", "http://testserver:8443", "file://"]
)
def test_odd_origins_are_refused(client: TestClient, session: Session, origin: str) -> None:
    make_user(session)
    assert sign_in(client, origin) == 403


def test_same_origin_and_missing_origin_sign_in(client: TestClient, session: Session) -> None:
    make_user(session)
    assert sign_in(client, "http://testserver") == 303
    assert sign_in(TestClient(client.app, follow_redirects=False), None) == 303


def test_missing_origin_falls_back_to_the_csrf_token(client: TestClient, session: Session) -> None:
    make_user(session)
    assert sign_in(client, None, token=None) == 403


def test_https_uses_a_host_prefixed_csrf_cookie(https_app: FastAPI, session: Session) -> None:
    make_user(session)
    client = TestClient(https_app, base_url="https://testserver", follow_redirects=False)
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-allyship_csrf=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert sign_in(client, "https://learn.example.org") == 303  # the public origin


def test_https_ignores_a_tossed_plain_csrf_cookie(https_app: FastAPI, session: Session) -> None:
    """A sibling subdomain can plant `allyship_csrf` for the parent domain, never __Host-."""
    make_user(session)
    attacker = TestClient(https_app, base_url="https://testserver", follow_redirects=False)
    page = attacker.get("/login")
    planted = next(v for k, v in page.cookies.items() if k.endswith("allyship_csrf"))
    token = csrf_from(page.text)
    victim = TestClient(https_app, base_url="https://testserver", follow_redirects=False)
    victim.cookies.set("allyship_csrf", planted)
    response = victim.post(
        "/login", data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403


def test_https_refuses_the_plain_http_origin(https_app: FastAPI, session: Session) -> None:
    make_user(session)
    client = TestClient(https_app, base_url="https://testserver", follow_redirects=False)
    assert sign_in(client, "http://testserver") == 403
    assert sign_in(client, "https://testserver") == 303
