"""Signing in with a second factor from a test client, as a person with a phone would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update
from sqlmodel import Session, select

from app.auth import factor, pending
from app.auth.cookies import PENDING_COOKIE
from app.clock import utcnow
from app.models import SecondFactor, User
from tests.conftest import csrf_from, login
from tests.factories import make_user

PAGE = "/sign-in/second-factor"
SECRET = re.compile(r'id="second-factor-secret" class="secret">([A-Z2-7 ]+)<')
CODES = re.compile(r"<li><code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code></li>")


def client_for(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def secret_on(html: str) -> str:
    match = SECRET.search(html)
    assert match, "the page shows no secret"
    return match.group(1).replace(" ", "")


def codes_on(html: str) -> list[str]:
    return CODES.findall(html)


def code(secret: str, steps_ahead: int = 0, at: datetime | None = None) -> str:
    """The authenticator's code now, or `steps_ahead` steps of 30 s later (drift allowed: 1)."""
    return pyotp.TOTP(secret).at(at or utcnow(), counter_offset=steps_ahead)


def password_step(client: TestClient, email: str) -> Response:
    """The password: for an account with (or owing) a factor, on to the code page."""
    response: Response = login(client, email)  # type: ignore[assignment]
    return response


def send_code(client: TestClient, value: str, path: str = PAGE) -> Response:
    token = csrf_from(client.get("/login").text)  # the page may be gone: any form's token
    return client.post(path, data={"code": value, "csrf_token": token})


def enrol(client: TestClient, email: str) -> tuple[str, list[str]]:
    """First sign-in of an account that must enrol: (its secret, its recovery codes)."""
    assert password_step(client, email).headers["location"] == PAGE
    secret = secret_on(client.get(PAGE).text)
    done = send_code(client, code(secret), PAGE + "/enrol")
    assert done.status_code == 200, done.text
    return secret, codes_on(done.text)


def sign_in_with(client: TestClient, email: str, value: str) -> Response:
    assert password_step(client, email).headers["location"] == PAGE
    return send_code(client, value)


def later(minutes: int) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def factor_world(
    app: FastAPI, session: Session, client: TestClient, path: str, user_id: str | None
) -> None:
    """What a second-factor form needs before it is shown (tests/security's form worlds).

    The sign-in step's forms need a pending sign-in (its enrolment page, a factor not yet
    confirmed); the account page's forms need the signed-in learner's factor, confirmed for
    turning it off or making new codes; an admin's reset needs a factor to reset.
    """
    settings = app.state.settings
    if path.startswith(PAGE):
        person = make_user(session, "pending@example.com", name="Pat Pending")
        token = pending.start(session, settings, user_id=person.id or 0, address=None, target="/")
        session.commit()
        client.cookies.set(PENDING_COOKIE, token)
        confirmed = not path.endswith("/enrol")
    else:  # the account page's learner, or the person an admin's reset is for
        person = (
            session.get(User, int(user_id))
            if user_id
            else session.exec(select(User).where(User.email == "learner@example.com")).one()
        )
        assert person is not None
        factor.prepare_secret(session, settings, user_id=person.id or 0)
        confirmed = not path.endswith("/confirm")
    if confirmed:
        session.exec(update(SecondFactor).values(confirmed_at=utcnow()))
    session.commit()
