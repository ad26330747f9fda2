"""Fixtures of the account-safety tests: signed-in hr and admin browsers, an API key, the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.keys import create_key
from app.config import Settings
from tests.security.people_helpers import signed_in


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "hr@example.com", "hr")


@pytest.fixture
def admin(app: FastAPI, session: Session) -> TestClient:
    return signed_in(app, session, "admin@example.com", "admin")


@pytest.fixture
def key(session: Session) -> dict[str, str]:
    """Authorization headers of an API key that may write."""
    secret = create_key(session, name="hr-system", scopes=["read", "write"], actor_id=None)[1]
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Environment for `allyship` commands run in-process against this test's database."""
    from app.config import get_settings

    for name in ("database_url", "content_dir", "secret_key"):
        monkeypatch.setenv(f"ALLYSHIP_{name.upper()}", str(getattr(settings, name)))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
