"""When the provider is down or misdescribes itself, people and admins are told plainly."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.auth import oidc
from app.config import Settings
from app.models import User
from tests.factories import make_user
from tests.oidc_fixtures import TestProvider
from tests.servers import free_port
from tests.sso.conftest import sso_sign_in


@pytest.fixture
def odd_issuer() -> Iterator[str]:
    """A real HTTP server on loopback whose discovery document names another issuer."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/notjson/.well-known/openid-configuration":
                body, kind = b"<html>login</html>", "text/html"
            else:
                document = {
                    "issuer": "https://someone-else.example",
                    "authorization_endpoint": "x",
                    "token_endpoint": "x",
                    "jwks_uri": "x",
                }
                body, kind = json.dumps(document).encode(), "application/json"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sso_discovery_naming_another_issuer_refused(odd_issuer: str) -> None:
    with pytest.raises(oidc.SsoRefused, match=r"names the issuer https://someone-else\.example"):
        oidc.discover(odd_issuer, allow_private=True, fresh=True)


def test_sso_discovery_not_json_refused(odd_issuer: str) -> None:
    with pytest.raises(oidc.SsoRefused, match="is not JSON"):
        oidc.discover(f"{odd_issuer}/notjson", allow_private=True, fresh=True)


def test_sso_issuer_not_a_url_refused() -> None:
    with pytest.raises(oidc.SsoRefused, match="must be a URL"):
        oidc.discover("login.example.org", allow_private=False)


def test_sso_start_with_provider_down_says_so(client: TestClient, settings: Settings) -> None:
    settings.sso_issuer = f"http://127.0.0.1:{free_port()}"
    response = client.get("/sso/start")
    assert response.status_code == 400
    assert "Could not reach" in response.text


def test_sso_claims_missing_from_id_token_read_from_userinfo(
    client: TestClient, session: Session, provider: TestProvider, settings: Settings
) -> None:
    """A name claim the ID token lacks is looked for at userinfo; else the address is used."""
    settings.sso_create_accounts = True
    settings.sso_name_claim = "nickname"
    provider.account("sub-new", email="nia@example.com", email_verified=True)
    assert sso_sign_in(client, provider, "sub-new").status_code == 303
    made = session.exec(select(User).where(col(User.email) == "nia@example.com")).one()
    assert made.name == "nia"


def test_sso_off_gives_not_found_page(
    client: TestClient, settings: Settings, session: Session
) -> None:
    settings.sso_enabled = False
    make_user(session, "ana@example.com")
    assert client.get("/sso/start").status_code == 404
    assert "Sign in with your organisation account" not in client.get("/login").text
