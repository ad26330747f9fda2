"""Security headers on every response, body limits, session timeouts and clean logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from app.clock import utcnow
from app.models import LoginSession, User
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "referrer-policy" in {k.lower() for k in response.headers}


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/static/css/app.css", "/no-such-page", "/verify/NOPE"]
)
def test_security_headers_on_pages_errors_and_static_files(client: TestClient, path: str) -> None:
    assert_security_headers(client.get(path))


def test_signed_in_pages_are_not_cached(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    assert client.get("/").headers["cache-control"] == "no-store"


def test_hsts_and_secure_host_cookie_behind_https(settings, session: Session) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    app = create_app(settings.model_copy(update={"https": True}))
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    make_user(session)
    response = login(client, "ana@example.com")
    assert "strict-transport-security" in response.headers
    cookie = response.headers["set-cookie"]
    assert (
        cookie.startswith("__Host-allyship_session=") and "Secure" in cookie and "Path=/" in cookie
    )
    app.state.engine.dispose()


def test_oversized_body_gets_413_before_parsing(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert_security_headers(response)


def test_idle_session_expires(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=3)))
    assert client.get("/").status_code == 303


def test_absolute_session_timeout(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/").status_code == 303


def test_deactivation_ends_sessions(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    session.execute(update(User).where(col(User.email) == "ana@example.com").values(active=False))
    assert client.get("/").status_code == 303


def test_sign_in_replaces_a_planted_session_cookie(client: TestClient, session: Session) -> None:
    make_user(session)
    client.cookies.set("allyship_session", "attacker-chosen-value", domain="testserver.local")
    page = client.get("/login")  # the planted cookie is not a valid sign-in: the form shows
    response = client.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303
    issued = response.cookies.get("allyship_session")
    assert issued and issued != "attacker-chosen-value"


def test_logs_have_request_ids_and_never_secrets(
    client: TestClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(session)
    with caplog.at_level(logging.INFO, logger="allyship"):
        login(client, "ana@example.com", "wrong-password-123")
        login(client, "ana@example.com")
        token = client.cookies.get("allyship_session") or ""
        csrf = csrf_from(client.get("/").text)
    text = caplog.text
    assert "sign-in failed" in text and "sign-in ok" in text
    assert "request id=" in text
    for secret in (PASSWORD, "wrong-password-123", token, csrf):
        assert secret and secret not in text
