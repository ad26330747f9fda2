"""The time-out warning's data and "Stay signed in" (WCAG 2.2.1): it extends a live
sign-in only, needs the CSRF token, and cannot pass the absolute limit."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import LoginSession
from tests.conftest import csrf_from, login
from tests.factories import make_user

KEEP_ALIVE = "/session/keep-alive"


def signed_in(client: TestClient, session: Session) -> LoginSession:
    make_user(session)
    assert login(client, "ana@example.com").status_code == 303  # type: ignore[attr-defined]
    return session.exec(select(LoginSession)).one()


def age(session: Session, minutes: float, **values: object) -> None:
    """Every sign-in was last used `minutes` ago (and takes `values`)."""
    session.execute(
        update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes), **values)
    )
    session.commit()


def ends_in(html: str) -> int:
    found = re.search(r'data-session-ends-in="(\d+)"', html)
    assert found, "a signed-in page carries the seconds left"
    return int(found.group(1))


def test_signed_in_pages_carry_the_time_left_and_the_warning(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    page = client.get("/").text
    assert 120 * 60 - 5 <= ends_in(page) <= 120 * 60
    assert 'data-session-idle="7200"' in page and 'id="session-warning"' in page
    assert "Stay signed in" in page
    anonymous = TestClient(client.app).get("/login").text
    assert "data-session-ends-in" not in anonymous and "session-warning" not in anonymous


def test_time_left_counts_from_the_last_activity_within_the_touch_minute(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    age(session, 0.5)  # not touched again for a view within a minute of the last one
    assert 119 * 60 - 5 <= ends_in(client.get("/").text) <= 119 * 60 + 31


def test_stay_signed_in_starts_the_idle_time_again(client: TestClient, session: Session) -> None:
    login_row = signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    age(session, 0.9)
    response = client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["final"] is False and 120 * 60 - 5 <= body["seconds_left"] <= 120 * 60
    session.expire_all()
    seen = session.get(LoginSession, login_row.id).last_seen_at  # type: ignore[union-attr]
    assert utcnow() - seen < timedelta(seconds=10)


def test_stay_signed_in_without_the_csrf_token_is_refused(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    age(session, 0.9)
    assert client.post(KEEP_ALIVE).status_code == 403
    assert client.post(KEEP_ALIVE, headers={"X-CSRF-Token": "forged"}).status_code == 403
    session.expire_all()
    seen = session.exec(select(LoginSession.last_seen_at)).one()
    assert utcnow() - seen > timedelta(seconds=40)  # not extended


def test_stay_signed_in_cannot_bring_back_an_ended_sign_in(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    age(session, 121)  # idle past the limit
    response = client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/").status_code == 303  # still signed out
    htmx = client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert htmx.status_code == 401


def test_stay_signed_in_after_signing_out_is_refused(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    age(session, 2, revoked_at=utcnow())
    response = client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token})
    assert response.status_code == 303
    session.expire_all()
    seen = session.exec(select(LoginSession.last_seen_at)).one()
    assert utcnow() - seen > timedelta(minutes=1)


def test_the_absolute_limit_is_final_and_not_extended(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    session.execute(update(LoginSession).values(expires_at=utcnow() + timedelta(minutes=3)))
    session.commit()
    page = client.get("/").text
    assert "data-session-final" in page and ends_in(page) <= 180
    body = client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token}).json()
    assert body["final"] is True and body["seconds_left"] <= 180


def test_stay_signed_in_pressed_in_two_tabs_one_after_the_other_both_succeed(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    age(session, 100)
    answers = [client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert client.get("/").status_code == 200


def test_stay_signed_in_pressed_in_four_tabs_at_once_extends_the_one_sign_in(
    client: TestClient, session: Session
) -> None:
    """Racing presses all succeed, extend the same sign-in, and never sign the person out."""
    login_row = signed_in(client, session)
    token = csrf_from(client.get("/account").text)
    age(session, 100)
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda _: client.post(KEEP_ALIVE, headers={"X-CSRF-Token": token}), range(4))
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json()["seconds_left"] > 119 * 60 for a in answers)
    session.expire_all()
    rows = session.exec(select(LoginSession)).all()
    assert [r.id for r in rows] == [login_row.id] and rows[0].revoked_at is None
    assert utcnow() - rows[0].last_seen_at < timedelta(seconds=10)
    assert client.get("/").status_code == 200
