"""API keys: required, hashed at rest, scoped, revocable, managed from the command line."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.models import ApiKey
from app.security import token_digest
from tests.api.conftest import bearer


def test_api_without_key_is_401_with_a_clear_message(client: TestClient) -> None:
    response = client.get("/api/v1/modules")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response.headers["cache-control"] == "no-store"


def test_api_with_unknown_key_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/modules", headers=bearer("ak_nope_nope")).status_code == 401


def test_api_read_only_key_cannot_write(client: TestClient, read_key: str) -> None:
    assert client.get("/api/v1/modules", headers=bearer(read_key)).status_code == 200
    response = client.put(
        "/api/v1/people/E1", json={"email": "a@example.com", "name": "A"}, headers=bearer(read_key)
    )
    assert response.status_code == 403 and "write" in response.json()["detail"]


def test_api_key_cli_create_list_revoke(
    client: TestClient, session: Session, db_url: str, monkeypatch: object
) -> None:
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)  # type: ignore[attr-defined]
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(cli, ["api-key", "create", "Workday sync"])
        assert created.exit_code == 0, created.output
        secret = created.output.strip().splitlines()[-1]
        key = session.exec(select(ApiKey)).one()
        assert key.key_hash == token_digest(secret) and key.name == "Workday sync"
        assert client.get("/api/v1/modules", headers=bearer(secret)).status_code == 200
        listed = runner.invoke(cli, ["api-key", "list"])
        assert "Workday sync" in listed.output and secret not in listed.output
        duplicate = runner.invoke(cli, ["api-key", "create", "Workday sync"])
        assert duplicate.exit_code == 2 and "already a key called" in duplicate.output
        revoked = runner.invoke(cli, ["api-key", "revoke", "Workday sync"])
        assert revoked.exit_code == 0
        assert client.get("/api/v1/modules", headers=bearer(secret)).status_code == 401
    finally:
        get_settings.cache_clear()


def test_api_key_use_is_noted(client: TestClient, session: Session, read_key: str) -> None:
    client.get("/api/v1/modules", headers=bearer(read_key))
    key = session.exec(select(ApiKey)).one()
    assert key.last_used_at is not None
