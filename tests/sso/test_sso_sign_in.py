"""SSO sign-in that works: linking by verified e-mail or external ID, following the `sub`."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import SsoIdentity
from tests.factories import make_user
from tests.oidc_fixtures import TestProvider
from tests.sso.conftest import sso_sign_in, start


def test_sso_first_sign_in_links_by_verified_email_and_opens_a_session(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    ana = make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", email_verified=True, name="Ana")
    response = sso_sign_in(client, provider, "sub-ana")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    assert client.get("/").status_code == 200
    link = session.exec(select(SsoIdentity)).one()
    assert (link.subject, link.user_id, link.issuer) == ("sub-ana", ana.id, provider.issuer)


def test_sso_two_tabs_started_in_one_browser_both_complete(
    client: TestClient, session: Session, provider: TestProvider
) -> None:
    """Each tab keeps its own state and nonce; the browser cookie is shared, not replaced."""
    make_user(session, "ana@example.com")
    provider.account("sub-ana", email="ana@example.com", email_verified=True)
    tab_a, tab_b = start(client), start(client)
    assert sso_sign_in(client, provider, "sub-ana", tab_b).status_code == 303
    assert sso_sign_in(client, provider, "sub-ana", tab_a).status_code == 303
