"""Self-assessment fixtures: the real course (its lessons/measures.yaml) and form helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.content.measures import check_measures
from app.models import Completion, User
from tests.conftest import PROJECT_ROOT, csrf_from, login

ITEMS = check_measures(PROJECT_ROOT)[0].ids if check_measures(PROJECT_ROOT)[0] else []
FIRST, LAST = "why-allies-matter", "staying-an-ally"


@pytest.fixture
def content_dir() -> Path:
    return PROJECT_ROOT


def passed(session: Session, user: User, *modules: str) -> None:
    for module in modules:
        session.add(Completion(user_id=user.id, module_id=module))
    session.commit()


def ratings(form: str, now: int = 4, back: int = 2) -> dict[str, str]:
    data = {f"now-{item}": str(now) for item in ITEMS}
    if form == "after":
        data |= {f"back-{item}": str(back) for item in ITEMS}
    return data


def signed_in(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert login(client, email).status_code == 303  # type: ignore[attr-defined]
    return client


def send(client: TestClient, form: str, data: dict[str, str]) -> object:
    token = csrf_from(client.get("/account").text)
    return client.post(f"/measures/{form}", data={**data, "csrf_token": token})
