"""Password reset by emailed one-time link: expiring, single use, same answer for everyone."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import Invite, OutboxMessage
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.mail import deliver

LINK = re.compile(r"https://learn\.example\.com/invite/([A-Za-z0-9_\-]+)")


def ask(client: TestClient, email: str) -> str:
    """Ask for a reset, then let the outbox sender deliver what the request queued."""
    token = csrf_from(client.get("/password-reset").text)
    response = client.post("/password-reset", data={"csrf_token": token, "email": email})
    assert response.status_code == 200
    app: FastAPI = client.app  # type: ignore[assignment]
    deliver(app.state.settings)
    return response.text


def choose(client: TestClient, token: str, password: str) -> int:
    page = client.get(f"/invite/{token}")
    if page.status_code != 200:
        return page.status_code
    form = {"csrf_token": csrf_from(page.text), "password": password, "confirm": password}
    return client.post(f"/invite/{token}", data=form).status_code


def test_reset_link_is_emailed_and_sets_a_new_password_once(
    client: TestClient, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    answer = ask(client, "ANA@example.com")
    assert "If an account uses that address" in answer
    (mail,) = inbox.to("ana@example.com")
    token = LINK.search(mail.replace("=\n", "")).group(1)  # type: ignore[union-attr]
    assert choose(client, token, "a brand new pass phrase") == 303
    assert (
        login(
            TestClient(client.app, follow_redirects=False),
            "ana@example.com",
            "a brand new pass phrase",
        ).status_code
        == 303
    )
    assert choose(client, token, "yet another pass phrase") == 410  # single use


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    known = ask(client, "ana@example.com")
    unknown = ask(client, "nobody@example.com")
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731  (csrf tokens differ)
    assert strip(known) == strip(unknown)
    assert inbox.to("nobody@example.com") == []


def test_expired_reset_link_is_refused(client: TestClient, session: Session, inbox: Inbox) -> None:
    make_user(session)
    ask(client, "ana@example.com")
    token = LINK.search(inbox.to("ana@example.com")[0].replace("=\n", "")).group(1)  # type: ignore[union-attr]
    session.execute(update(Invite).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert choose(client, token, "a brand new pass phrase") == 410


def test_reset_requests_are_capped_per_hour(
    client: TestClient, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    for _ in range(5):
        ask(client, "ana@example.com")
    assert len(inbox.to("ana@example.com")) == 3


def test_smtp_failure_gives_the_same_answer_and_no_usable_link(
    client: TestClient, session: Session, inbox: Inbox
) -> None:
    make_user(session)
    inbox.refuse = "451 try again later"
    assert "If an account uses that address" in ask(client, "ana@example.com")
    invite = session.exec(select(Invite)).one()
    assert invite.token_hash is None and invite.sent_at is None and "451" in invite.last_error
    message = session.exec(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1
