"""Join links and QR codes use ALLYSHIP_BASE_URL, never the request's Host header (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.live import qr
from app.main import create_app
from tests.conftest import FIXTURE_COURSE, csrf_from, login
from tests.factories import make_user
from tests.live.conftest import start_session
from tests.servers import free_port, sign_in, start_server, stop_server, tagged_client

BASE = "https://learn.example.org"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def configured(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(update={"base_url": BASE}))
    yield application
    application.state.engine.dispose()


def _facilitator(app: FastAPI) -> TestClient:
    with Session(app.state.engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
    client = TestClient(app, follow_redirects=False)
    assert login(client, "fay@example.com").status_code == 303  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize("view", ["", "/present", "/remote"])
def test_join_url_on_facilitator_pages_ignores_a_forged_host_header(
    configured: FastAPI, view: str
) -> None:
    client = _facilitator(configured)
    live = start_session(client)
    page = client.get(f"/live/{live.id}{view}", headers=EVIL)
    assert page.status_code == 200
    assert "evil.example" not in page.text
    if view != "/remote":  # the remote shows no join address
        assert "learn.example.org/j" in page.text
        assert f"{BASE}/j/{live.code}" in page.text


def test_qr_code_encodes_the_configured_address_whatever_the_host_header(
    configured: FastAPI,
) -> None:
    client = _facilitator(configured)
    live = start_session(client)
    svg = client.get(f"/live/{live.id}/qr.svg", headers=EVIL)
    assert svg.status_code == 200
    # The same bytes as the QR code of the configured join URL: the code itself, not only its title.
    assert svg.content == qr.qr_svg(f"{BASE}/j/{live.code}")
    assert svg.content != qr.qr_svg(f"http://evil.example/j/{live.code}")
    assert b"evil.example" not in svg.content


def test_production_refuses_to_start_without_a_base_url() -> None:
    with pytest.raises(ValidationError, match="ALLYSHIP_BASE_URL is not set"):
        Settings(environment="production", secret_key="s" * 48)
    with pytest.raises(ValidationError, match="must start with https://"):
        Settings(environment="production", secret_key="s" * 48, base_url="evil.example")
    ok = Settings(environment="production", secret_key="s" * 48, base_url=BASE + "/")
    assert ok.public_url == BASE


def test_production_refuses_to_start_from_the_environment_without_a_base_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setenv("ALLYSHIP_ENVIRONMENT", "production")
    monkeypatch.setenv("ALLYSHIP_SECRET_KEY", "s" * 48)
    monkeypatch.delenv("ALLYSHIP_BASE_URL", raising=False)
    with pytest.raises(ValidationError, match="in production set it to the address"):
        Settings()


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("learn.internal", 8000, "http://learn.internal:8000"),
    ],
)
def test_development_address_follows_the_served_host_and_port(
    host: str, port: int, expected: str
) -> None:
    assert Settings(host=host, port=port).public_url == expected


def test_development_join_url_follows_the_port_and_not_the_host_header(
    settings: Settings,
) -> None:
    application = create_app(settings.model_copy(update={"port": 8080}))
    try:
        client = _facilitator(application)
        live = start_session(client)
        page = client.get(f"/live/{live.id}", headers=EVIL).text
        assert "127.0.0.1:8080/j" in page and "evil.example" not in page
        svg = client.get(f"/live/{live.id}/qr.svg", headers=EVIL).content
        assert svg == qr.qr_svg(f"http://127.0.0.1:8080/j/{live.code}")
    finally:
        application.state.engine.dispose()


@pytest.mark.slow
def test_allyship_serve_port_option_sets_the_join_url(db_url: str) -> None:
    """`allyship serve --port N` (tests/servers.py starts it so) shows join links on port N."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
    engine.dispose()
    port = free_port()
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE, port=port)
    client = tagged_client(url, "fay")
    try:
        sign_in(client, "fay@example.com")
        form = client.get("/live/new?module_id=first-steps").text
        token = csrf_from(form)
        data = {"csrf_token": token, "module_id": "first-steps", "scenario": ["standup"]}
        created = client.post("/live", data=data)
        assert created.status_code == 303, created.text
        page = client.get(created.headers["location"], headers={"Host": "evil.example"}).text
        assert f"127.0.0.1:{port}/j" in page and "evil.example" not in page
    finally:
        client.close()
        stop_server(proc)
