"""Shared fixtures: a migrated SQLite file per test, the app on fixture content, a client."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real migrations once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(migrated_db: Path, tmp_path: Path) -> str:
    target = tmp_path / "allyship.db"
    shutil.copy(migrated_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def content_dir() -> Path:
    return FIXTURE_COURSE


@pytest.fixture
def settings(db_url: str, content_dir: Path) -> Settings:
    return Settings(
        database_url=db_url, content_dir=content_dir, secret_key="test-secret-key-0123456789"
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def session(app: FastAPI) -> Iterator[Session]:
    """Autocommit, so every read in a test sees what the app has committed since."""
    with Session(
        app.state.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    ) as s:
        yield s


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no csrf_token field"
    return match.group(1)


def login(client: TestClient, email: str, password: str = "correct-horse-battery") -> object:
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def post_form(client: TestClient, url: str, data: dict[str, str], page: str = "/") -> object:
    """POST with the CSRF token taken from `page` (as a browser would)."""
    token = csrf_from(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def real_content_dir() -> Path:
    return PROJECT_ROOT


__all__ = ["csrf_from", "login", "make_engine", "post_form"]
