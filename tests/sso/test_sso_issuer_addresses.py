"""The SSO issuer and the provider's endpoints: public https:// addresses only, and a refused
sign-in page that never echoes low-level errors (the details go to the log)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.auth import oidc
from app.config import Settings
from app.models import OrgSetting
from tests.servers import free_port
from tests.sso.test_sso_admin import _admin, _save

INSIDE = [
    "https://169.254.169.254/",
    "https://127.0.0.1:8443",
    "https://10.0.0.5/realms/staff",
    "https://[::1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[2002:a9fe:a9fe::]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::ffff:0:a9fe:a9fe]/",  # IPv4-translated (SIIT) of 169.254.169.254
    "https://2852039166/",  # 169.254.169.254 as a number
    "https://0xa9.0xfe.0xa9.0xfe/",
    "https://localhost/",
    "https://login.localhost/",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """As in production: the loopback test provider is not allowed."""
    return settings.model_copy(update={"sso_allow_private_issuer": False})


class Counter:
    def __init__(self) -> None:
        self.paths: list[str] = []


@pytest.fixture
def failing_issuer() -> Iterator[tuple[str, Counter]]:
    """A real server on loopback that counts requests and answers each with a 404."""
    seen = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.paths.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("issuer", INSIDE)
def test_sso_issuer_on_an_inside_address_is_refused_when_saved(
    client: TestClient, session: Session, issuer: str
) -> None:
    _admin(client, session)
    response = _save(client, issuer=issuer)
    assert response.status_code == 422
    assert "loopback, private or link-local" in response.text
    stored = session.exec(select(OrgSetting).where(col(OrgSetting.key) == "sso.issuer")).all()
    assert stored == []


def test_sso_plain_http_issuer_is_refused_when_saved(client: TestClient, session: Session) -> None:
    _admin(client, session)
    response = _save(client, issuer=f"http://127.0.0.1:{free_port()}")
    assert response.status_code == 422 and "https://" in response.text


def test_sso_public_issuer_is_saved(client: TestClient, session: Session) -> None:
    _admin(client, session)
    assert _save(client, issuer="https://login.example.org/tenant").status_code == 303


@pytest.mark.parametrize("issuer", INSIDE)
def test_sso_start_never_calls_an_inside_issuer_and_says_nothing_of_it(
    client: TestClient, settings: Settings, issuer: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings.sso_issuer = issuer  # set in the environment, where no form checks it
    with caplog.at_level(logging.WARNING, logger="allyship.auth"):
        response = client.get("/sso/start", params={"next": "//evil.example/"})
    assert response.status_code == 400
    assert "not set up correctly" in response.text
    page = response.text.lower()
    assert "169.254" not in page and "loopback" not in page and "well-known" not in page
    assert "reason=private" in caplog.text


def test_sso_start_does_not_fetch_a_loopback_issuer(
    client: TestClient, settings: Settings, failing_issuer: tuple[str, Counter]
) -> None:
    url, seen = failing_issuer
    settings.sso_issuer = url
    assert client.get("/sso/start").status_code == 400
    assert seen.paths == []


def test_sso_start_hides_the_low_level_error_and_logs_it(
    client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.sso_allow_private_issuer = True  # a lab whose provider is down
    port = free_port()
    settings.sso_issuer = f"http://127.0.0.1:{port}"
    with caplog.at_level(logging.WARNING, logger="allyship.auth"):
        response = client.get("/sso/start")
    assert response.status_code == 400 and "Could not reach" in response.text
    assert str(port) not in response.text and "Errno" not in response.text
    assert "reason=unreachable" in caplog.text and str(port) in caplog.text


def test_sso_failing_provider_is_asked_once_for_many_anonymous_starts(
    client: TestClient, settings: Settings, failing_issuer: tuple[str, Counter]
) -> None:
    url, seen = failing_issuer
    settings.sso_allow_private_issuer = True
    settings.sso_issuer = url
    pages = [client.get("/sso/start") for _ in range(5)]
    assert {page.status_code for page in pages} == {400}
    assert all("not set up correctly" in page.text for page in pages)
    assert "HTTP 404" not in pages[0].text
    assert seen.paths == ["/.well-known/openid-configuration"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/jwks", "private"),
        ("https://[64:ff9b::7f00:1]/token", "private"),
        ("http://login.example.org/token", "config"),
        ("https://login.localhost/userinfo", "private"),
    ],
)
def test_sso_provider_endpoints_are_checked_like_the_issuer(url: str, reason: str) -> None:
    with pytest.raises(oidc.SsoRefused) as refused:
        oidc.check_address(url, "key set", allow_private=False)
    assert refused.value.reason == reason


def test_sso_a_name_resolving_to_loopback_is_refused_when_used() -> None:
    names = [n for n in ("vm", "runsc", socket.gethostname()) if _loopback(n)]
    if not names:
        pytest.skip("no name other than localhost resolves to loopback on this machine")
    with pytest.raises(oidc.SsoRefused) as refused:
        oidc.discover(f"https://{names[0]}", allow_private=False, fresh=True)
    assert refused.value.reason == "private"


def _loopback(name: str) -> bool:
    try:
        return all(info[4][0].startswith("127.") for info in socket.getaddrinfo(name, 443))
    except OSError:
        return False
