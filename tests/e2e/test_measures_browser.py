"""Issue 21 point 3 in Chromium without JavaScript: the self-assessment forms, a refused
half-filled form, the learner's own before/after page and HR's panel, each passing axe."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from app.db import session_for
from app.models import Completion
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.e2e.test_lasting_browser import axe_as_served
from tests.factories import make_user


def _rate(page: Page, value: str, *, skip_last: bool = False) -> None:
    groups = page.locator("fieldset.scale")
    total = groups.count()
    for n in range(total - (1 if skip_last else 0)):
        groups.nth(n).get_by_label(value, exact=False).first.check()


def test_measures_forms_and_own_page_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    with session_for(live_server.db_url) as session:
        person = make_user(session, "measures@example.com", name="Mo Measures")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    # axe needs timers, which never fire with JavaScript off: each page the no-script tab
    # shows is checked as served again in a tab with scripts on (the app's own blocked).
    replay_context = browser.new_context()
    replay = replay_context.new_page()
    replay.route(
        "**/*.js",
        lambda route: route.abort() if "/static/js/" in route.request.url else route.continue_(),
    )
    sign_in(page, live_server, "measures@example.com")
    expect(page.locator("#measures-offer")).to_be_visible()
    page.goto(f"{live_server.url}/measures/before")
    axe_as_served(page, replay, "before form")
    _rate(page, "3", skip_last=True)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_as_served(page, replay, "before form with a problem")
    _rate(page, "3")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#my-measures")).to_be_visible()
    with session_for(live_server.db_url) as session:
        for module in live_server.catalog.module_ids:
            session.add(Completion(user_id=person.id, module_id=module))
        session.commit()
    page.goto(f"{live_server.url}/measures/after")
    axe_as_served(page, replay, "after form")
    _rate(page, "6")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#my-measures td").first).to_have_text("3")
    axe_as_served(page, replay, "own before and after")
    shot(page, "measures-own-page")
    replay_context.close()
    context.close()


def test_measures_hr_panel_passes_axe(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr")
    expect(page.locator("#measures-change")).to_be_visible()
    assert_accessible(page, "HR overview with the confidence panel")
