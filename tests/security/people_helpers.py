"""Shared pieces of the account-safety tests: signed-in clients, imports, API calls, cookies."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.conftest import csrf_from, login
from tests.factories import make_user

HEADER = "email,name,department,manager email,role,external id"


def signed_in(app: FastAPI, session: Session, email: str, role: str = "learner") -> TestClient:
    """A browser signed in as a new account with this e-mail and role."""
    client = TestClient(app, follow_redirects=False)
    make_user(session, email, name=email.split("@")[0].title(), role=role)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client


def still_signed_in(client: TestClient) -> bool:
    """Whether the browser's cookie still opens a signed-in page."""
    return client.get("/account").status_code == 200


def upload(client: TestClient, content: str, *, leavers: bool = False) -> Any:
    token = csrf_from(client.get("/hr/import").text)
    data = {"csrf_token": token, **({"leavers": "yes"} if leavers else {})}
    files = {"file": ("people.csv", content.encode(), "text/csv")}
    return client.post("/hr/import", data=data, files=files)


def apply(client: TestClient, preview_html: str) -> Any:
    action = re.search(r'action="(/hr/import/\d+/apply)"', preview_html)
    assert action, "preview has no apply form"
    found = re.search(r'name="fingerprint" value="([^"]+)"', preview_html)
    assert found
    return client.post(
        action.group(1),
        data={"csrf_token": csrf_from(preview_html), "fingerprint": found.group(1)},
    )


def import_file(client: TestClient, content: str, *, leavers: bool = False) -> None:
    preview = upload(client, content, leavers=leavers)
    assert preview.status_code == 200, preview.text
    assert apply(client, preview.text).status_code == 303


def set_external_id(session: Session, email: str, external_id: str) -> User:
    user = session.exec(select(User).where(User.email == email)).one()
    user.external_id = external_id
    session.add(user)
    session.commit()
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """An RFC 9457 problem body with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["detail"]
    return body
