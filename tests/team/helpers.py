"""Teams for the team-page tests: people under a manager, signed-in clients, the page's text."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from tests.conftest import login
from tests.factories import make_user


def report(session: Session, email: str, manager: User, *, name: str = "", **extra: object) -> User:
    """A person who reports to `manager`."""
    person = make_user(session, email, name=name or email.split("@")[0].title(), **extra)  # type: ignore[arg-type]
    person.manager_id = manager.id
    session.add(person)
    session.commit()
    session.refresh(person)
    return person


def reports(session: Session, manager: User, count: int, *, prefix: str) -> list[User]:
    return [
        report(session, f"{prefix}{i}@example.com", manager, name=f"{prefix.title()} {i:02d}")
        for i in range(count)
    ]


def signed_in(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client
