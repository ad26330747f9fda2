"""The client address behind a proxy: `allyship serve` trusts ALLYSHIP_TRUSTED_PROXIES, and
`allyship check-deploy` warns about X-Forwarded-For from a peer that is not trusted."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings, get_settings
from app.db import session_for
from app.models import LoginFailure, ProxySighting
from app.ops.deploy_check import database_problems
from app.ops.proxies import is_trusted, untrusted_forwarder
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE, csrf_from
from tests.servers import start_server, stop_server

PERSON = "203.0.113.9"


def fail_sign_in(client: TestClient, headers: dict[str, str]) -> int:
    token = csrf_from(client.get("/login").text)
    data = {"email": "who@example.com", "password": "not-it-at-all", "csrf_token": token}
    return client.post("/login", data=data, headers=headers).status_code


@pytest.mark.slow
def test_allyship_serve_believes_its_local_proxy_by_default(db_url: str) -> None:
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
            data = {"email": "who@example.com", "password": "not-it-at-all", "csrf_token": token}
            response = client.post(
                "/login", data=data, headers={"X-Forwarded-For": f"{PERSON}, 127.0.0.1"}
            )
    finally:
        stop_server(proc)
    assert response.status_code == 422
    with session_for(db_url) as session:
        assert [f.address for f in session.exec(select(LoginFailure)).all()] == [PERSON]
        assert session.exec(select(ProxySighting)).all() == []


def test_forwarded_header_from_an_untrusted_peer_is_recorded(
    app: FastAPI, session: Session, settings: Settings
) -> None:
    behind = TestClient(app, follow_redirects=False, client=("10.20.0.5", 5000))
    assert fail_sign_in(behind, {"X-Forwarded-For": PERSON}) == 422
    sighting = session.exec(select(ProxySighting)).one()
    assert (sighting.peer, sighting.header) == ("10.20.0.5", PERSON)
    assert session.exec(select(LoginFailure)).one().address == "10.20.0.5"
    problems = database_problems(settings, workers=1)
    assert len(problems) == 1 and "10.20.0.5" in problems[0] and "not trusted" in problems[0]
    fixed = settings.model_copy(update={"trusted_proxies": "127.0.0.1, 10.20.0.0/16"})
    assert database_problems(fixed, workers=1) == []


def test_check_deploy_command_lists_the_untrusted_proxy(
    app: FastAPI, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    behind = TestClient(app, follow_redirects=False, client=("10.20.0.5", 5000))
    fail_sign_in(behind, {"X-Forwarded-For": PERSON})
    fail_sign_in(behind, {"X-Forwarded-For": PERSON})  # seen again: still one row
    monkeypatch.setenv("ALLYSHIP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["check-deploy"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "proxy at 10.20.0.5 that is not trusted" in result.output


def test_direct_clients_without_forwarding_are_not_recorded(app: FastAPI, session: Session) -> None:
    fail_sign_in(TestClient(app, follow_redirects=False, client=("10.20.0.5", 5000)), {})
    assert session.exec(select(ProxySighting)).all() == []


@pytest.mark.parametrize(
    ("peer", "trusted", "expected"),
    [
        ("127.0.0.1", "127.0.0.1", True),
        ("10.0.0.7", "127.0.0.1,10.0.0.0/8", True),
        ("10.0.0.7", "127.0.0.1", False),
        ("::1", "127.0.0.1, ::1", True),
        ("192.0.2.1", "*", True),
        ("not-an-ip", "127.0.0.1,garbage/99", False),
        ("192.0.2.1", "", False),
    ],
)
def test_trusted_proxies_match_addresses_and_networks(
    peer: str, trusted: str, expected: bool
) -> None:
    assert is_trusted(peer, trusted) is expected


def test_untrusted_forwarder_only_when_the_peer_is_not_in_the_chain() -> None:
    assert untrusted_forwarder(("127.0.0.1", 1), {"x-forwarded-for": PERSON}) == (
        "127.0.0.1",
        PERSON,
    )
    applied = {"x-forwarded-for": f"{PERSON}, 10.0.0.1"}
    assert untrusted_forwarder((PERSON, 1), applied) is None  # uvicorn applied it
    assert untrusted_forwarder(("127.0.0.1", 1), {}) is None
    assert untrusted_forwarder(None, {"x-forwarded-for": PERSON}) is None


def test_check_deploy_warns_when_every_proxy_is_trusted(settings: Settings) -> None:
    from app.ops.deploy_check import deploy_problems

    loose = settings.model_copy(update={"trusted_proxies": "*"})
    assert any("TRUSTED_PROXIES is '*'" in p for p in deploy_problems(loose))
