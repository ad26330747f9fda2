"""The second factor in Chromium: an HR account enrols at its first sign-in, then signs in with a
code and with a recovery code; the pages pass axe and work without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from app.clock import utcnow
from app.config import PROJECT_ROOT
from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from tests.e2e.conftest import LiveServer, assert_accessible
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server

SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "second-factor-enrol.png"


@pytest.fixture(scope="module")
def factor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server where HR and admin accounts need a second factor, as in production."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('factor') / 'factor.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        make_user(session, "hr@example.com", name="Hana HR", role="hr")
    proc, url = start_server(db_url, second_factor=True)
    yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(PROJECT_ROOT))
    stop_server(proc)


def password(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Work email").fill("hr@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/sign-in/second-factor")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_hr_enrols_then_signs_in_with_a_code_and_with_a_recovery_code(
    browser: Browser, factor_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)  # every step works without it
    page = context.new_page()
    password(page, factor_server)
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#second-factor-secret").inner_text().replace(" ", "")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on and sign in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name=re.compile("I have saved them")).click()
    expect(page).to_have_url(f"{factor_server.url}/hr")
    sign_out(page)

    password(page, factor_server)
    field = page.get_by_label(re.compile("Code from your authenticator app"))
    field.fill(totp.at(utcnow() + timedelta(seconds=30)))  # the next step: this one is used
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{factor_server.url}/hr")
    sign_out(page)

    password(page, factor_server)
    page.get_by_label(re.compile("Code from your authenticator app")).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{factor_server.url}/hr")
    sign_out(page)

    password(page, factor_server)
    page.get_by_label(re.compile("Code from your authenticator app")).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error")).to_contain_text("not right")
    context.close()


def test_the_second_factor_pages_pass_axe(browser: Browser, factor_server: LiveServer) -> None:
    page = browser.new_page()
    password(page, factor_server)  # enrolled by now (tests run in order): the code page
    assert_accessible(page, "second-factor code page")
    page.get_by_label(re.compile("Code from your authenticator app")).fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert_accessible(page, "second-factor code page with an error")
    with session_for(factor_server.db_url) as session:
        make_user(session, "admin@example.com", name="Alex Admin", role="admin")
    page.goto(f"{factor_server.url}/login")
    page.get_by_label("Work email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    assert_accessible(page, "second-factor enrolment page")
    page.close()
