"""Refused SSO sign-ins: each gets a clear page, and no account or link is made."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlmodel import Session, update

from app.clock import utcnow
from app.models import SsoPending
from tests.factories import make_user
from tests.oidc_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_ID,
    OTHER_SECRET,
    TestProvider,
    path_of,
)
from tests.sso.conftest import come_back, counts, sso_sign_in, start

ANA = {"email": "ana@example.com", "email_verified": True, "name": "Ana Example"}


def _refused(response: httpx.Response, reason: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert f'data-reason="{reason}"' in response.text
    assert "Sign-in refused" in response.text
    assert "allyship_session" not in response.headers.get("set-cookie", "")


def _with_param(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode({**query, **changes})).geturl()


def _nonce(url: str) -> str:
    return parse_qs(urlsplit(url).query)["nonce"][0]


@pytest.fixture
def ana_at_provider(session: Session, provider: TestProvider) -> None:
    make_user(session, "ana@example.com")
    provider.account("sub-ana", **ANA)


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_wrong_nonce_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    before = counts(session)
    tampered = _with_param(start(client), nonce="a-nonce-this-sign-in-never-made")
    _refused(sso_sign_in(client, provider, "sub-ana", tampered), "claims")
    assert counts(session) == before


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_replayed_callback_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    callback = come_back(client, provider, "sub-ana")
    assert client.get(path_of(callback)).status_code == 303
    client.cookies.delete("allyship_session")
    _refused(client.get(path_of(callback)), "state")


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_code_replayed_under_a_fresh_state_refused_by_provider(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    callback = come_back(client, provider, "sub-ana")
    assert client.get(path_of(callback)).status_code == 303
    code = parse_qs(urlsplit(callback).query)["code"][0]
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    replay = f"/sso/callback?{urlencode({'code': code, 'state': fresh_state})}"
    _refused(client.get(replay), "code")


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_state_mismatch_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    before = counts(session)
    callback = come_back(client, provider, "sub-ana")
    _refused(client.get(path_of(_with_param(callback, state="not-the-state-we-sent"))), "state")
    assert counts(session) == before


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_callback_in_another_browser_refused_login_csrf(
    app: object, client: TestClient, session: Session, provider: TestProvider
) -> None:
    """An attacker's own callback URL, opened in the victim's browser, signs no one in."""
    before = counts(session)
    callback = come_back(client, provider, "sub-ana")
    victim = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    _refused(victim.get(path_of(callback)), "state")
    assert counts(session) == before


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_two_tabs_mixed_states_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    """Tab A's code with tab B's state: B's nonce and PKCE verifier do not fit A's code."""
    tab_a, tab_b = start(client), start(client)
    callback_a = come_back(client, provider, "sub-ana", tab_a)
    state_b = parse_qs(urlsplit(tab_b).query)["state"][0]
    response = client.get(path_of(_with_param(callback_a, state=state_b)))
    assert response.status_code == 400
    assert counts(session) == (1, 0)


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_expired_id_token_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    before = counts(session)
    provider.clock(-3 * 3600)  # the provider's clock three hours behind: its token expired
    response = sso_sign_in(client, provider, "sub-ana")
    _refused(response, "claims")
    assert "expired" in response.text
    assert counts(session) == before


def _token_for_other_app(provider: TestProvider, nonce: str) -> str:
    """A real ID token the same provider issued to another client, carrying our nonce."""
    discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    redirect = "http://127.0.0.1/other-app/callback"
    with OAuth2Client(
        OTHER_ID,
        OTHER_SECRET,
        scope="openid email",
        redirect_uri=redirect,
        code_challenge_method="S256",
    ) as other:
        verifier = "v" * 64
        url, _ = other.create_authorization_url(
            discovery["authorization_endpoint"], nonce=nonce, code_verifier=verifier
        )
        with httpx.Client(timeout=10) as browser:
            callback = provider.sign_in(url, "sub-ana", browser)
        code = parse_qs(urlsplit(callback).query)["code"][0]
        token = other.fetch_token(discovery["token_endpoint"], code=code, code_verifier=verifier)
    return str(token["id_token"])


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_token_for_another_client_wrong_audience_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    before = counts(session)
    url = start(client)
    provider.next_id_token(_token_for_other_app(provider, _nonce(url)))
    response = sso_sign_in(client, provider, "sub-ana", url)
    _refused(response, "claims")
    assert "another application" in response.text
    assert counts(session) == before


def _claims(provider: TestProvider, nonce: str) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": "sub-ana",
        "nonce": nonce,
        "iat": now,
        "exp": now + 300,
        **ANA,
    }


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_hs256_token_signed_with_client_secret_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    """Whoever knows the client secret cannot mint ID tokens: only the provider's keys count."""
    before = counts(session)
    url = start(client)
    forged = jwt.encode(
        {"alg": "HS256"}, _claims(provider, _nonce(url)), OctKey.import_key(CLIENT_SECRET)
    )
    provider.next_id_token(forged)
    _refused(sso_sign_in(client, provider, "sub-ana", url), "signature")
    assert counts(session) == before


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_unsigned_alg_none_token_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    before = counts(session)
    url = start(client)

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    provider.next_id_token(f"{part({'alg': 'none'})}.{part(_claims(provider, _nonce(url)))}.")
    _refused(sso_sign_in(client, provider, "sub-ana", url), "signature")
    assert counts(session) == before


def test_sso_unverified_email_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", email_verified=False)
    before = counts(session)
    _refused(sso_sign_in(client, provider, "sub-ana"), "unverified", 403)
    assert counts(session) == before


def test_sso_provider_error_shown_and_state_spent(
    client: TestClient, provider: TestProvider
) -> None:
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    query = urlencode(
        {"state": state, "error": "access_denied", "error_description": "User said no"}
    )
    response = client.get(f"/sso/callback?{query}")
    _refused(response, "provider")
    assert "User said no" in response.text
    _refused(client.get(f"/sso/callback?{query}"), "state")


def test_sso_callback_with_nothing_refused(client: TestClient) -> None:
    _refused(client.get("/sso/callback"), "state")
    _refused(client.get("/sso/callback?state=x&code=y"), "state")


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_expired_pending_sign_in_refused(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    callback = come_back(client, provider, "sub-ana")
    session.execute(update(SsoPending).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    _refused(client.get(path_of(callback)), "state")
    assert counts(session) == (1, 0)


@pytest.mark.usefixtures("ana_at_provider")
def test_sso_same_callback_twice_at_once_signs_in_once(
    app: object, client: TestClient, session: Session, provider: TestProvider
) -> None:
    callback = path_of(come_back(client, provider, "sub-ana"))
    tabs = []
    for _ in range(2):
        tab = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
        tab.cookies.update(dict(client.cookies))
        tabs.append(tab)
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(lambda tab: tab.get(callback).status_code, tabs))
    assert statuses == [303, 400]
    assert counts(session) == (1, 1)
