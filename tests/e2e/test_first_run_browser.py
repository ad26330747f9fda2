"""A fresh install in Chromium: each role lands on its own home; HR sees the getting-started list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import PASSWORD, make_user
from tests.servers import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A just-installed course: staff accounts, one learner, nothing imported or assigned."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        make_user(session, "hr@example.com", name="Hana HR", role="hr")
        make_user(session, "admin@example.com", name="Alex Admin", role="admin")
        make_user(session, "facilitator@example.com", name="Femi Facilitator", role="facilitator")
    proc, url = start_server(db_url)
    yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(ROOT))
    stop_server(proc)


def test_hr_lands_on_a_getting_started_list_and_can_still_take_the_course(
    page: Page, fresh_server: LiveServer
) -> None:
    sign_in(page, fresh_server, "hr@example.com")
    expect(page).to_have_url(f"{fresh_server.url}/hr")
    checklist = page.get_by_role("region", name="Getting started").get_by_role("list").first
    expect(checklist.get_by_role("listitem").filter(has_text="To do")).to_have_count(5)
    expect(page.get_by_role("heading", name=re.compile("^Import people To do"))).to_be_visible()
    expect(page.get_by_text("An administrator sets")).to_be_visible()
    expect(page.get_by_role("heading", name="Completion by department")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("hardest"))).to_have_count(0)
    shot(page, "hr-getting-started")
    assert_accessible(page, "HR overview, fresh install")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My course").click()
    expect(page).to_have_url(f"{fresh_server.url}/")


def test_facilitator_lands_on_their_sessions(page: Page, fresh_server: LiveServer) -> None:
    sign_in(page, fresh_server, "facilitator@example.com")
    expect(page).to_have_url(f"{fresh_server.url}/live")


def test_admin_lands_on_their_home_with_a_link_to_the_settings(
    page: Page, fresh_server: LiveServer
) -> None:
    sign_in(page, fresh_server, "admin@example.com")
    expect(page).to_have_url(f"{fresh_server.url}/admin/settings")
    page.goto(f"{fresh_server.url}/hr")  # the getting-started list links back to the settings
    expect(page.get_by_role("link", name="Open the organisation settings")).to_have_attribute(
        "href", "/admin/settings"
    )


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example"])
def test_an_off_site_next_never_leaves_the_site(
    page: Page, fresh_server: LiveServer, target: str
) -> None:
    page.goto(f"{fresh_server.url}/login?next={target}")
    page.get_by_label("Work email").fill("hr@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{fresh_server.url}/hr")
