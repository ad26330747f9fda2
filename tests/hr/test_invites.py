"""Invites: queued on import, mailed with a one-time link, hashed, expiring, used once."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.auth import invites
from app.clock import utcnow
from app.config import Settings
from app.models import Invite, OutboxMessage, User
from app.security import token_digest, verify_password
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.mail import deliver

LINK = re.compile(r"https://learn\.example\.com/invite/([A-Za-z0-9_-]+)")


def new_person(session: Session, email: str, **fields: str) -> User:
    """An account that has never had a password (HR may be shown a link for it)."""
    user = make_user(session, email, **fields)
    user.password_hash = None
    session.add(user)
    session.commit()
    return user


def new_link(client: TestClient, user_id: int) -> str:
    page = client.get(f"/hr/people/{user_id}")
    response = client.post(
        f"/hr/people/{user_id}/invite", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 200
    match = LINK.search(response.text)
    assert match, "no link on the page"
    return "/invite/" + match.group(1)


def set_password(
    client: TestClient, link: str, password: str, confirm: str | None = None
) -> object:
    page = client.get(link)
    return client.post(
        link,
        data={
            "csrf_token": csrf_from(page.text),
            "password": password,
            "confirm": confirm if confirm is not None else password,
        },
    )


def test_invite_link_sets_password_once_and_person_can_sign_in(
    hr_client: TestClient, app: object, session: Session
) -> None:
    person = new_person(session, "new@example.com", name="New Person")
    link = new_link(hr_client, person.id or 0)
    visitor = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert "Welcome, New Person" in visitor.get(link).text
    done = set_password(visitor, link, "a long new passphrase")
    assert done.status_code == 303  # type: ignore[attr-defined]
    session.refresh(person)
    assert verify_password("a long new passphrase", person.password_hash)
    assert login(visitor, "new@example.com", "a long new passphrase").status_code == 303  # type: ignore[attr-defined]
    assert TestClient(app).get(link).status_code == 410  # type: ignore[arg-type]


def test_invite_token_is_stored_only_as_its_hash(hr_client: TestClient, session: Session) -> None:
    person = new_person(session, "new@example.com")
    token = new_link(hr_client, person.id or 0).rsplit("/", 1)[1]
    invite = session.exec(select(Invite).where(Invite.user_id == person.id)).one()
    assert invite.token_hash == token_digest(token) and token not in invite.token_hash


def test_invite_expired_link_is_refused_with_message(
    hr_client: TestClient, app: object, session: Session
) -> None:
    person = new_person(session, "new@example.com")
    link = new_link(hr_client, person.id or 0)
    invite = session.exec(select(Invite).where(Invite.user_id == person.id)).one()
    invite.expires_at = utcnow() - timedelta(minutes=1)
    session.add(invite)
    session.commit()
    response = TestClient(app).get(link)  # type: ignore[arg-type]
    assert response.status_code == 410
    assert "Ask your HR team to send you a new link" in response.text


def test_invite_new_link_replaces_older_one(
    hr_client: TestClient, app: object, session: Session
) -> None:
    person = new_person(session, "new@example.com")
    old = new_link(hr_client, person.id or 0)
    new = new_link(hr_client, person.id or 0)
    visitor = TestClient(app)  # type: ignore[arg-type]
    assert visitor.get(old).status_code == 410
    assert visitor.get(new).status_code == 200


def test_invite_weak_or_mistyped_password_rerenders_with_422(
    hr_client: TestClient, app: object, session: Session
) -> None:
    person = new_person(session, "new@example.com")
    link = new_link(hr_client, person.id or 0)
    visitor = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    weak = set_password(visitor, link, "password123")
    assert weak.status_code == 422 and "too easy to guess" in weak.text  # type: ignore[attr-defined]
    mistyped = set_password(visitor, link, "a long new passphrase", "a long new passphrasE")
    assert mistyped.status_code == 422 and "two passwords are different" in mistyped.text  # type: ignore[attr-defined]
    assert set_password(visitor, link, "a long new passphrase").status_code == 303  # type: ignore[attr-defined]


def test_invite_for_leaver_stops_working(
    hr_client: TestClient, app: object, session: Session
) -> None:
    person = new_person(session, "new@example.com")
    link = new_link(hr_client, person.id or 0)
    page = hr_client.get(f"/hr/people/{person.id}")
    hr_client.post(
        f"/hr/people/{person.id}/active",
        data={"csrf_token": csrf_from(page.text), "active": "no", "confirm": "yes"},
    )
    assert TestClient(app).get(link).status_code == 410  # type: ignore[arg-type]


def test_queued_invites_are_mailed_with_a_working_link(
    hr_client: TestClient, app: object, session: Session, inbox: Inbox, settings: Settings
) -> None:
    person = new_person(session, "new@example.com", name="New Person")
    invites.queue(session, user_ids=[person.id or 0], actor_id=None)
    session.commit()
    assert "1 invitation is waiting for the mail sender" in hr_client.get("/hr/reminders").text
    assert deliver(settings).sent == ["new@example.com"]
    (message,) = inbox.to("new@example.com")
    link = LINK.search(message.replace("=\r\n", "").replace("=3D", "="))
    assert link
    visitor = TestClient(app)  # type: ignore[arg-type]
    assert visitor.get(f"/invite/{link.group(1)}").status_code == 200
    invite = session.exec(select(Invite)).one()
    assert invite.sent_at is not None and invite.token_hash == token_digest(link.group(1))
    kept = session.exec(select(OutboxMessage)).one()
    assert kept.sent_at is not None and link.group(1) not in kept.body


def test_invite_smtp_refusal_keeps_it_queued_with_the_error(
    hr_client: TestClient, session: Session, inbox: Inbox, settings: Settings
) -> None:
    person = new_person(session, "new@example.com")
    invites.queue(session, user_ids=[person.id or 0], actor_id=None)
    session.commit()
    inbox.refuse = "451 Try again later"
    assert len(deliver(settings).failed) == 1
    invite = session.exec(select(Invite)).one()
    assert invite.token_hash is None and invite.sent_at is None and invite.attempts == 1
    assert "451" in invite.last_error
    assert "451" in hr_client.get("/hr/reminders").text
    inbox.refuse = None
    session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))  # backoff over
    assert deliver(settings).sent == ["new@example.com"]
    assert len(inbox.to("new@example.com")) == 1
    session.expire_all()
    assert session.exec(select(Invite)).one().sent_at is not None
