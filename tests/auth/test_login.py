"""Sign-in, sign-out, CSRF and throttling."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.landing import safe_next
from app.auth.service import LOGIN_FAILED
from app.models import LoginSession
from tests.conftest import csrf_from, login
from tests.factories import make_user


def test_login_with_right_password_opens_session_and_reaches_dashboard(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    response = login(client, "ana@example.com")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; https turns it on
    assert client.get("/").status_code == 200
    assert session.exec(select(LoginSession)).one().revoked_at is None


def test_login_wrong_password_and_unknown_email_get_same_message(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    wrong = login(client, "ana@example.com", "not-the-password")
    unknown = login(client, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 422
    assert LOGIN_FAILED in wrong.text and LOGIN_FAILED in unknown.text


def test_login_after_failures_waits_even_with_the_right_password(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    for _ in range(7):  # 1, 2, 4, 8 seconds: sooner or later the next try must wait
        response = login(client, "ana@example.com", "wrong-password")
        if response.status_code == 429:
            break
    response = login(client, "ana@example.com")
    assert response.status_code == 429
    assert re.search(r"Too many failed sign-ins. Wait \d+ seconds?, then try again", response.text)


def test_logout_revokes_session_and_old_cookie_is_refused(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    login(client, "ana@example.com")
    old_cookie = client.cookies.get("allyship_session")
    token = csrf_from(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    client.cookies.set("allyship_session", old_cookie or "")
    assert client.get("/").status_code == 303  # replayed cookie: back to sign-in


def test_post_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    response = client.post("/modules/first-steps/read", data={})
    assert response.status_code == 403


def test_login_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    make_user(session)
    client.get("/login")
    response = client.post(
        "/login", data={"email": "ana@example.com", "password": "correct-horse-battery"}
    )
    assert response.status_code == 403


def test_cross_site_post_is_refused_even_with_token(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    token = csrf_from(client.get("/").text)
    response = client.post(
        "/modules/first-steps/read",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def test_deactivated_user_cannot_sign_in(client: TestClient, session: Session) -> None:
    make_user(session, active=False)
    assert login(client, "ana@example.com").status_code == 422


def test_anonymous_page_request_redirects_to_login_with_next(client: TestClient) -> None:
    response = client.get("/modules/first-steps")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/modules/first-steps"


def test_safe_next_only_allows_local_paths() -> None:
    assert safe_next("/modules/x") == "/modules/x"
    for bad in ("//evil.example", "https://evil.example", "/\\evil.example", "", None):
        assert safe_next(bad) == "/"
