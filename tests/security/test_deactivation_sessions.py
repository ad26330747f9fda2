"""Deactivating an account ends its sessions for good: reactivation does not revive them."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import LoginSession, User
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_user
from tests.security.people_helpers import (
    HEADER,
    import_file,
    set_external_id,
    signed_in,
    still_signed_in,
)


def _revoked_sessions(session: Session, user: User) -> int:
    return len(
        session.exec(
            select(LoginSession).where(
                LoginSession.user_id == user.id, col(LoginSession.revoked_at).is_not(None)
            )
        ).all()
    )


def _set_active_on_the_web(hr: TestClient, user: User, active: bool) -> None:
    page = f"/hr/people/{user.id}"
    sent = {"active": "yes"} if active else {"active": "no", "confirm": "yes"}
    response = post_form(hr, f"{page}/active", sent, page=page)
    assert response.status_code == 303  # type: ignore[attr-defined]


def test_web_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser = signed_in(app, session, "ana@example.com")
    other = signed_in(app, session, "cy@example.com")
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    assert still_signed_in(browser)
    _set_active_on_the_web(hr, ana, False)
    assert _revoked_sessions(session, ana) == 1
    _set_active_on_the_web(hr, ana, True)
    assert not still_signed_in(browser)
    assert still_signed_in(other) and still_signed_in(hr)


def test_import_leavers_end_sessions_and_reactivation_does_not_revive_them(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    browser = signed_in(app, session, "ana@example.com")
    stays = signed_in(app, session, "cy@example.com")
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    import_file(hr, HEADER + "\ncy@example.com,Cy,,,,\n", leavers=True)
    session.refresh(ana)
    assert ana.active is False and _revoked_sessions(session, ana) == 1
    import_file(hr, HEADER + "\nana@example.com,Ana,,,,\ncy@example.com,Cy,,,,\n")
    session.refresh(ana)
    assert ana.active is True
    assert not still_signed_in(browser)
    assert still_signed_in(stays) and still_signed_in(hr)


def test_api_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    app: FastAPI, client: TestClient, session: Session, key: dict[str, str]
) -> None:
    browser = signed_in(app, session, "ana@example.com")
    second_device = signed_in(app, session, "cy@example.com")
    ana = set_external_id(session, "ana@example.com", "E-ANA")
    body = {"email": "ana@example.com", "name": "Ana"}
    left = client.put("/api/v1/people/E-ANA", json={**body, "active": False}, headers=key)
    assert left.status_code == 200 and left.json()["active"] is False
    assert _revoked_sessions(session, ana) == 1
    back = client.put("/api/v1/people/E-ANA", json={**body, "active": True}, headers=key)
    assert back.status_code == 200 and back.json()["active"] is True
    assert not still_signed_in(browser)
    assert still_signed_in(second_device)


def test_every_session_of_the_leaver_ends_not_only_the_latest(
    app: FastAPI, hr: TestClient, session: Session
) -> None:
    phone = signed_in(app, session, "ana@example.com")
    laptop = TestClient(app, follow_redirects=False)
    assert login(laptop, "ana@example.com").status_code == 303  # type: ignore[attr-defined]
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    _set_active_on_the_web(hr, ana, False)
    _set_active_on_the_web(hr, ana, True)
    assert _revoked_sessions(session, ana) == 2
    assert not still_signed_in(phone) and not still_signed_in(laptop)
    assert login(laptop, "ana@example.com").status_code == 303  # type: ignore[attr-defined]
    assert still_signed_in(laptop)


def test_person_page_offers_deactivation_only_where_it_is_allowed(
    app: FastAPI, session: Session
) -> None:
    """HR is not offered a button that can only end on a refusal (an admin, or themselves)."""
    hr = signed_in(app, session, "hr-self@example.com", role="hr")
    make_user(session, "boss@example.com", role="admin")
    make_user(session, "worker@example.com")
    ids = {u.email: u.id for u in session.exec(select(User)).all()}
    for email, offered in (
        ("boss@example.com", False),
        ("hr-self@example.com", False),
        ("worker@example.com", True),
    ):
        page = hr.get(f"/hr/people/{ids[email]}")
        assert page.status_code == 200
        assert ("Deactivate (leaver)" in page.text) is offered, email


def test_an_unknown_active_value_changes_nothing(app: FastAPI, session: Session) -> None:
    """Only "yes" and "no" are understood; anything else used to deactivate the person."""
    hr = signed_in(app, session, "hr-odd@example.com", role="hr")
    worker = make_user(session, "odd-value@example.com")
    page = hr.get(f"/hr/people/{worker.id}")
    response = hr.post(
        f"/hr/people/{worker.id}/active",
        data={"csrf_token": csrf_from(page.text), "active": "maybe"},
    )
    assert response.status_code == 422 and "active" in response.text
    session.refresh(worker)
    assert worker.active
