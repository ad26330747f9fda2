"""SSO tests: the app on its test database, signing in through a real OpenID provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.config import Settings
from app.models import SsoIdentity, User
from tests.oidc_fixtures import CLIENT_ID, CLIENT_SECRET, TestProvider, oidc_server, path_of

__all__ = ["oidc_server"]


@pytest.fixture
def provider(oidc_server: TestProvider) -> Iterator[TestProvider]:
    oidc_server.reset()
    yield oidc_server


@pytest.fixture
def settings(settings: Settings, provider: TestProvider) -> Settings:
    """Single sign-on on through the environment's defaults (the admin page overrides them)."""
    return settings.model_copy(
        update={
            "base_url": "http://testserver",
            "sso_enabled": True,
            "sso_issuer": provider.issuer,
            "sso_client_id": CLIENT_ID,
            "sso_client_secret": CLIENT_SECRET,
            "sso_external_id_claim": "employee_id",
            # The test provider runs on loopback: allowed here, refused by default.
            "sso_allow_private_issuer": True,
        }
    )


def start(client: TestClient, next: str = "/") -> str:
    """Press "Sign in with your organisation account": the provider's URL."""
    response = client.get("/sso/start", params={"next": next})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def come_back(
    client: TestClient, provider: TestProvider, account: str, authorization_url: str | None = None
) -> str:
    """Sign in at the provider as `account`: the callback URL it sends the browser to."""
    with httpx.Client(timeout=10) as browser:
        return provider.sign_in(authorization_url or start(client), account, browser)


def sso_sign_in(
    client: TestClient, provider: TestProvider, account: str, authorization_url: str | None = None
) -> httpx.Response:
    """The whole round trip; the app's answer to the callback."""
    return client.get(path_of(come_back(client, provider, account, authorization_url)))


def counts(session: Session) -> tuple[int, int]:
    """(people, SSO links): a refused sign-in changes neither."""
    people = session.exec(select(func.count()).select_from(User)).one()
    links = session.exec(select(func.count()).select_from(SsoIdentity)).one()
    return people, links
