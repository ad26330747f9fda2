"""The bench HR user signs in as a real one does: password, then an authenticator code.

HR and admin accounts must use a second factor (app/auth/factor.py REQUIRED_ROLES), so the
bench enrols one for its HR user with the app's own enrolment functions and answers the
code step with the code an authenticator app shows, computed as the app checks it (pyotp's
TOTP of the secret at app.clock.utcnow()). No check is switched off.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

import httpx
import pyotp
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth import factor
from app.auth.routes import SECOND_FACTOR_PAGE
from app.clock import utcnow
from app.config import Settings
from app.db import make_engine, write_session
from app.models import User, row_id
from bench.run import _csrf, answer

HR_HOME = "/hr/people"
# A code one step back is refused if that step ends before the app checks it: only this early.
SAFE_PAST_SECONDS = 5


class Authenticator:
    """The HR user's authenticator app: a code for a later time step than the last one used.

    The app accepts each 30-second step once, with one step of drift either way, so
    sign-ins close together take the next step allowed and wait for a new one only when the
    steps in reach are used.
    """

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step: int | None = None

    def code(self) -> str:
        while True:
            now = utcnow()
            current = self.totp.timecode(now)
            left = self.totp.interval - now.timestamp() % self.totp.interval
            first = -factor.VALID_WINDOW if left > SAFE_PAST_SECONDS else 0
            for offset in range(first, factor.VALID_WINDOW + 1):
                if self.last_step is None or current + offset > self.last_step:
                    self.last_step = current + offset
                    return self.totp.at(now, counter_offset=offset)
            time.sleep(left + 0.1)


def enrol(url: str, settings: Settings, email: str) -> Authenticator:
    """Give the account a confirmed second factor, as its enrolment page does."""
    engine = make_engine(url)
    with write_session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        factor.prepare_secret(session, settings, user_id=row_id(user))
        shown = factor.enrolment(session, settings, user=user)
        if shown is None:
            raise RuntimeError(f"{email} has a confirmed second factor already")
        authenticator = Authenticator(shown.secret)
        factor.check_code(
            session, settings, user_id=row_id(user), code=authenticator.code(), confirm=True
        )
        session.commit()
    engine.dispose()
    return authenticator


class _Answer(Protocol):
    status_code: int

    @property
    def headers(self) -> Mapping[str, str]: ...


def _where(response: _Answer) -> str:
    return answer(response.status_code, response.headers.get("location"))


def sign_in(
    client: httpx.Client | TestClient, email: str, password: str, authenticator: Authenticator
) -> None:
    """Password, then the code step when asked; RuntimeError unless /hr/people then shows."""
    steps = []
    sent = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": _csrf(client.get("/login").text)},
    )
    steps.append(f"password: {_where(sent)}")
    if sent.status_code == 303 and sent.headers.get("location") == SECOND_FACTOR_PAGE:
        token = _csrf(client.get(SECOND_FACTOR_PAGE).text)
        sent = client.post(
            SECOND_FACTOR_PAGE, data={"code": authenticator.code(), "csrf_token": token}
        )
        steps.append(f"code: {_where(sent)}")
    reached = client.get(HR_HOME)
    if reached.status_code != 200:
        raise RuntimeError(
            f"HR sign-in did not reach {HR_HOME}: {_where(reached)} ({'; '.join(steps)})"
        )
