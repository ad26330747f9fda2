"""Chromium follows the whole SSO redirect flow through a real OpenID provider, and back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.config import PROJECT_ROOT
from app.db import session_for
from app.db.migrate import upgrade
from app.models import OrgSetting, SsoIdentity
from tests.e2e.conftest import assert_accessible
from tests.factories import make_user
from tests.oidc_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    TestProvider,
    start_provider,
    stop_provider,
)
from tests.servers import free_port, start_server, stop_server

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
SSO_BUTTON = "Sign in with your organisation account"


@dataclass
class SsoSite:
    url: str
    db_url: str
    provider: TestProvider


@pytest.fixture(scope="module")
def sso_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoSite]:
    """The app on its own database and port, its SSO set up on /admin/sso's storage."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = start_provider(f"{url}/sso/callback")
    db_url = f"sqlite:///{tmp_path_factory.mktemp('sso') / 'sso.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        make_user(session, "lee@example.com", name="Lee Learner")
        stored = {
            "enabled": "1",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        for key, value in stored.items():
            session.add(OrgSetting(key=f"sso.{key}", value=value))
        session.commit()
    # The test provider runs on loopback, which SSO refuses unless explicitly allowed.
    wanted = {"ALLYSHIP_BASE_URL": url, "ALLYSHIP_SSO_ALLOW_PRIVATE_ISSUER": "true"}
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        proc, _ = start_server(db_url, port=port)
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    yield SsoSite(url=url, db_url=db_url, provider=provider)
    stop_server(proc)
    stop_provider(provider)


def _at_provider(page: Page, account: str) -> None:
    page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Continue").click()


def test_sso_browser_signs_in_through_the_provider(page: Page, sso_site: SsoSite) -> None:
    sso_site.provider.account("sub-lee", email="lee@example.com", email_verified=True)
    page.goto(f"{sso_site.url}/login")
    expect(page.get_by_role("link", name=SSO_BUTTON)).to_be_visible()
    assert_accessible(page, "sign-in page with SSO")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1000, "height": 760})
    page.screenshot(path=str(SCREENSHOTS / "sign-in-sso.png"), full_page=True)
    page.get_by_role("link", name=SSO_BUTTON).click()
    page.wait_for_url(f"{sso_site.provider.issuer}/**")
    _at_provider(page, "sub-lee")
    page.wait_for_url(f"{sso_site.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with session_for(sso_site.db_url) as session:
        assert session.exec(select(SsoIdentity.subject)).all() == ["sub-lee"]


def test_sso_browser_not_imported_gets_a_clear_page(page: Page, sso_site: SsoSite) -> None:
    sso_site.provider.account("sub-new", email="new@example.com", email_verified=True)
    page.goto(f"{sso_site.url}/sso/start")
    _at_provider(page, "sub-new")
    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Ask your HR team to add you")
    assert_accessible(page, "refused SSO sign-in")
