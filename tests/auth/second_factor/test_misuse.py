"""A misuser's tries: two requests at once, the pending cookie on every other page."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.cookies import PENDING_COOKIE
from app.models import LoginSession
from app.web.deps import SESSION_COOKIE
from tests.auth.second_factor.helpers import PAGE, client_for, code, enrol, password_step
from tests.concurrency import at_once
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.security.routes import all_routes, concrete

OWN_PAGES = {PAGE, PAGE + "/enrol"}


def waiting_client(app: FastAPI, email: str) -> tuple[TestClient, str]:
    """A client at the code step, and a CSRF token for it."""
    client = client_for(app)
    password_step(client, email)
    return client, csrf_from(client.get("/login").text)


@pytest.mark.parametrize("kind", ["recovery code", "authenticator code"])
def test_one_code_sent_twice_at_once_signs_in_once(
    app: FastAPI, session: Session, kind: str
) -> None:
    hr = make_user(session, "hr@example.com", role="hr")
    secret, codes = enrol(client_for(app), "hr@example.com")
    value = codes[0] if kind == "recovery code" else code(secret, 1)
    before = len(session.exec(select(LoginSession).where(LoginSession.user_id == hr.id)).all())
    (one, token_one), (two, token_two) = (
        waiting_client(app, "hr@example.com"),
        waiting_client(app, "hr@example.com"),
    )
    answers = at_once(
        lambda: one.post(PAGE, data={"code": value, "csrf_token": token_one}),
        lambda: two.post(PAGE, data={"code": value, "csrf_token": token_two}),
    )
    assert sorted(a.status_code for a in answers) == [303, 422]
    after = session.exec(select(LoginSession).where(LoginSession.user_id == hr.id)).all()
    assert len(after) == before + 1


def test_one_pending_sign_in_completes_once_with_two_good_codes_at_once(
    app: FastAPI, session: Session
) -> None:
    make_user(session, "hr@example.com", role="hr")
    secret, codes = enrol(client_for(app), "hr@example.com")
    client, token = waiting_client(app, "hr@example.com")
    twin = client_for(app)
    twin.cookies.update(client.cookies)  # the pending cookie, stolen or sent from two tabs
    answers = at_once(
        lambda: client.post(PAGE, data={"code": code(secret, 1), "csrf_token": token}),
        lambda: twin.post(PAGE, data={"code": codes[1], "csrf_token": token}),
    )
    assert sorted(a.status_code for a in answers) == [303, 409]


def test_the_pending_cookie_opens_no_other_page(app: FastAPI, session: Session) -> None:
    """Every GET route answers a pending sign-in exactly as it answers nobody."""
    make_user(session, "hr@example.com", role="hr", name="Hana Pending")
    pending, _ = waiting_client(app, "hr@example.com")
    token = pending.cookies[PENDING_COOKIE]
    as_session = client_for(app)
    as_session.cookies.set(SESSION_COOKIE, token)  # the pending token where a session goes
    nobody = client_for(app)
    checked = 0
    for method, path in all_routes(app):
        if method != "GET" or path in OWN_PAGES or path.startswith("/static"):
            continue
        url = concrete(path)
        expected = nobody.get(url).status_code
        for client in (pending, as_session):
            answer = client.get(url)
            assert answer.status_code == expected, (url, answer.status_code)
            assert "Hana Pending" not in answer.text and "hr@example.com" not in answer.text, url
        checked += 1
    assert checked > 40
    for page in ("/", "/hr", "/admin/settings", "/account"):
        assert pending.get(page).headers["location"].startswith("/login"), page


def test_a_pending_sign_in_posts_nothing_elsewhere(app: FastAPI, session: Session) -> None:
    make_user(session, "hr@example.com", role="hr")
    pending, token = waiting_client(app, "hr@example.com")
    for path in ("/account/second-factor/start", "/hr/people/add", "/account/password"):
        answer = pending.post(path, data={"csrf_token": token})
        assert answer.status_code in (303, 401, 403), path
        assert answer.headers.get("location", "/login").startswith("/login"), path
