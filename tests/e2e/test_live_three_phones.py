"""A facilitator runs a session with three phones: join by code, vote privately, see the reveal."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, assert_accessible, no_horizontal_scroll
from tests.live.test_browser import start


def test_three_phones_join_vote_and_see_the_reveal(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    contexts = [
        browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
        for _ in range(3)
    ]
    phones = [c.new_page() for c in contexts]
    for phone in phones:
        phone.goto(f"{live_server.url}/j")
        phone.get_by_label(re.compile("code", re.I)).first.fill(code.lower())  # typed as people do
        phone.get_by_role("button", name="Continue").click()
        phone.get_by_role("button", name="Join the session").click()
        expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
        assert no_horizontal_scroll(phone)
    expect(page.locator(".remote-counts")).to_contain_text("3 joined", timeout=3000)

    for phase in ("rules", "show"):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#remote-step")).to_have_class(
            re.compile(f"phase-{phase}"), timeout=3000
        )
    for index, phone in enumerate(phones):
        buttons = phone.locator(".vote-button")
        expect(buttons.first).to_be_visible(timeout=2500)
        buttons.nth(index % 3).click()
        expect(buttons.nth(index % 3)).to_have_attribute("aria-pressed", "true")
        assert no_horizontal_scroll(phone)
    expect(page.locator(".remote-counts")).to_contain_text("3 of 3 voted", timeout=3000)
    assert "%" not in page.locator("#remote-step").inner_text()  # no results while voting

    page.keyboard.press("ArrowRight")
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-reveal"), timeout=3000)
    for phone in phones:
        expect(phone.locator(".not-enough")).to_be_visible(timeout=2500)  # 3 < 5: no distribution
        expect(phone.get_by_text("Your vote")).to_be_visible()
    assert_accessible(phones[0], "phone reveal")
    for context in contexts:
        context.close()
