"""Forms shown again in a real browser: the summary is focused, links to the fields, passes axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in


def test_an_empty_sign_in_form_comes_back_with_a_focused_summary(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Work email: fill this in.")
    expect(page.get_by_label("Work email")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "sign-in with problems")
    shot(page, "form-errors-sign-in")
    summary.get_by_role("link", name="Work email: fill this in.").click()
    expect(page.get_by_label("Work email")).to_be_focused()


def test_a_session_without_scenarios_comes_back_with_the_choice(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "facilitator@example.com")
    module = live_server.catalog.modules[0]
    page.goto(f"{live_server.url}/live/new?module_id={module.id}")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Create the session").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one of this module")
    expect(page.locator("#scenarios")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "new session with problems")
