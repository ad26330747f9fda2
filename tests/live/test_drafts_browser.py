"""A half-typed commitment kept in the tab is the signed-in person's: it never reaches the next
person who signs in on the phone (issue 20, outside test finding 2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, sign_in
from tests.live.test_accessible_browser import next_until
from tests.live.test_browser import start

pytestmark = pytest.mark.e2e
DRAFTS = "() => Object.keys(sessionStorage).filter(k => k.startsWith('allyship-draft:'))"


def test_a_draft_goes_at_sign_out_and_never_reaches_the_next_person(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    phone = context.new_page()
    sign_in(phone, live_server, "learner@example.com")
    phone.goto(f"{live_server.url}/j/{code}")
    phone.get_by_role("button", name="Join the session").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    next_until(page, "wrapup")
    box = phone.locator("#commitment-situation")
    expect(box).to_be_visible(timeout=3000)
    box.fill("If my manager jokes about Ana, then I will SECRETDRAFT")
    box.dispatch_event("input")
    assert len(phone.evaluate(DRAFTS)) == 1
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url("**/login")
    assert phone.evaluate(DRAFTS) == []  # gone with the sign-out
    sign_in(phone, live_server, "keys@example.com")
    phone.goto(f"{live_server.url}/j/{code}")
    expect(box).to_be_visible(timeout=3000)
    expect(box).to_have_value("")
    assert "SECRETDRAFT" not in phone.content()
    context.close()


def test_a_draft_left_by_a_sign_in_that_timed_out_is_dropped_for_another_person(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    phone = context.new_page()
    sign_in(phone, live_server, "nojs@example.com")
    phone.goto(f"{live_server.url}/j/{code}")
    phone.get_by_role("button", name="Join the session").click()
    next_until(page, "wrapup")
    box = phone.locator("#commitment-situation")
    expect(box).to_be_visible(timeout=3000)
    # As left by someone else whose sign-in ended without signing out (no sign-out ran).
    phone.evaluate(f"() => sessionStorage.setItem('allyship-draft:{code}:999999', 'OTHERDRAFT')")
    own = box.get_attribute("data-draft")
    phone.reload()
    expect(box).to_be_visible(timeout=3000)
    expect(box).to_have_value("")
    assert phone.evaluate(DRAFTS) == []
    box.fill("If a colleague is talked over, then I will MINE")
    box.dispatch_event("input")
    phone.reload()  # the person's own draft still comes back to them
    expect(box).to_have_value("If a colleague is talked over, then I will MINE", timeout=3000)
    assert phone.evaluate(DRAFTS) == [f"allyship-draft:{own}"]
    context.close()
