"""Group sessions in a real browser: the projector and phones follow by polling, 304s leave the
page alone, the keyboard on the session page drives the room, and a phone without JavaScript can still take part."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in

pytestmark = pytest.mark.e2e
MODULE = "why-allies-matter"


def start(page: Page, server: LiveServer, headcount: str = "30", *, shortcuts: bool = True) -> str:
    """Sign in as the facilitator and create a session; `page` stays on its session page (the
    laptop's controls; the projector shows none). Returns the code.

    Single-key shortcuts are off until turned on; these tests drive the room with them."""
    sign_in(page, server, "facilitator@example.com")
    page.goto(f"{server.url}/live/new?module_id={MODULE}")
    page.get_by_label("People you expect").fill(headcount)
    page.get_by_role("button", name="Create the session").click()
    code = re.sub(r"\s", "", page.locator(".join-code").inner_text())
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-lobby"))
    switch = page.get_by_label("Use single-key shortcuts")
    if switch.is_checked() != shortcuts:
        switch.click()
    page.locator("#remote-step").click()  # the keys go to the page, not the checkbox
    return code


def projector_of(page: Page) -> Page:
    """The presenter view of the session open in `page`, in a window of its own."""
    projector = page.context.new_page()
    projector.goto(f"{page.url.split('?')[0]}/present")
    return projector


def phone_joined(
    browser: Browser, server: LiveServer, code: str, **options: object
) -> tuple[BrowserContext, Page]:
    """A phone (a browser context of its own, phone-sized) that joined the session."""
    options.setdefault("viewport", {"width": 375, "height": 740})
    context = browser.new_context(**options)  # type: ignore[arg-type]
    phone = context.new_page()
    phone.goto(f"{server.url}/j/{code}")
    phone.get_by_role("button", name="Join the session").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    return context, phone


def test_projector_and_phone_follow_keyboard_steps_and_304s_keep_the_page(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    projector = projector_of(page)
    phone_context, phone = phone_joined(browser, live_server, code)
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    expect(projector.locator(".joined")).to_contain_text("1", timeout=3000)  # polled in
    shot(projector, "live-presenter-lobby")
    assert_accessible(projector, "presenter lobby")
    assert_accessible(page, "session page with the controls")
    assert_accessible(phone, "phone lobby")

    phone.wait_for_timeout(2500)  # several 304 polls: the room must still be on screen
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()

    page.keyboard.press("ArrowRight")  # ground rules
    expect(phone.get_by_role("heading", name="Ground rules")).to_be_visible(timeout=2500)
    page.keyboard.press("PageDown")  # the first scenario: voting opens with it
    expect(projector.locator("#stage")).to_have_class(re.compile("phase-show"), timeout=3000)
    vote_buttons = phone.locator(".vote-button")
    expect(vote_buttons.first).to_be_visible(timeout=2500)
    vote_buttons.nth(1).click()
    expect(vote_buttons.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(projector.locator(".vote-count")).to_contain_text("1 of 1", timeout=3000)
    shot(phone, "live-phone-vote")
    shot(projector, "live-presenter-vote")
    assert_accessible(phone, "phone vote")

    page.keyboard.press("ArrowRight")  # reveal
    expect(phone.locator(".not-enough")).to_be_visible(timeout=2500)  # 1 vote: hidden
    expect(phone.get_by_text("Your vote")).to_be_visible()
    shot(phone, "live-phone-reveal")
    page.keyboard.press("ArrowLeft")  # back: voting open again
    expect(phone.locator(".vote-button").first).to_be_visible(timeout=2500)
    phone_context.close()


def test_a_phone_without_javascript_joins_votes_and_refreshes(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    context = browser.new_context(java_script_enabled=False)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/j")
    phone.get_by_label("Code on the screen").fill(code.lower())
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="Join the session").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    for phase in ("rules", "show"):
        page.get_by_role("button", name=re.compile("^Next")).click()
        expect(page.locator("#remote-step")).to_have_class(
            re.compile(f"phase-{phase}"), timeout=3000
        )
    phone.get_by_role("link", name="Refresh").click()
    phone.locator(".vote-button").first.click()
    expect(phone.locator(".vote-button").first).to_have_attribute("aria-pressed", "true")
    expect(phone.get_by_text("Your vote is in")).to_be_visible()
    context.close()


def _room_of_one_and_a_phone_waiting(
    page: Page, browser: Browser, live_server: LiveServer
) -> tuple[list[BrowserContext], Page, Page]:
    """A session for 1 person; two phones without JavaScript join: the second waits."""
    code = start(page, live_server, headcount="1")
    phones = [browser.new_context(java_script_enabled=False) for _ in range(2)]
    first, second = (context.new_page() for context in phones)
    for phone in (first, second):
        phone.goto(f"{live_server.url}/j/{code}")
        phone.get_by_role("button", name="Join the session").click()
    return phones, first, second


def test_a_phone_beyond_the_headcount_waits_until_the_presenter_lets_it_in(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    phones, first, second = _room_of_one_and_a_phone_waiting(page, browser, live_server)
    expect(first.get_by_role("heading", name="You're in")).to_be_visible()
    waiting = second.get_by_role("heading", name="Waiting for the facilitator to let you in")
    expect(waiting).to_be_visible()
    ticket = second.locator(".ticket").inner_text()
    expect(page.get_by_text(f"Phone {ticket}")).to_be_visible(timeout=3000)  # the poll shows it
    listed = page.get_by_role("listitem").filter(has_text=f"Phone {ticket}")
    listed.get_by_role("button", name="Let in").click()
    expect(page.get_by_text("waiting to join")).to_have_count(0, timeout=3000)
    second.get_by_role("link", name="Refresh").click()
    expect(second.get_by_role("heading", name="You're in")).to_be_visible()
    for context in phones:
        context.close()


def test_a_phone_turned_away_by_mistake_is_let_in_by_its_typed_ticket(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    phones, _first, second = _room_of_one_and_a_phone_waiting(page, browser, live_server)
    ticket = second.locator(".ticket").inner_text()
    field = page.get_by_label("Let in or turn away ticket")
    expect(field).to_be_visible(timeout=3000)
    field.fill("nope")
    page.locator("#ticket-let-in").click()
    expect(page.locator("#admission-ticket-session-error")).to_contain_text("Type the 4 characters")
    assert_accessible(page, "session page with a ticket refused")
    field.fill(ticket.lower())
    page.locator("#ticket-turn-away").click()
    expect(page.locator("#announcer")).to_have_text(f"Phone {ticket} turned away.")
    second.get_by_role("link", name="Refresh").click()
    expect(second.get_by_role("heading", name="Not let in")).to_be_visible()
    expect(second.locator(".ticket")).to_have_text(ticket)
    field.fill(ticket)
    page.locator("#ticket-let-in").click()
    expect(page.locator("#announcer")).to_have_text(f"Phone {ticket} let in.")
    expect(page.locator("#admissions-count")).to_contain_text("2 in of 1 expected")
    second.get_by_role("link", name="Refresh").click()
    expect(second.get_by_role("heading", name="You're in")).to_be_visible()
    for context in phones:
        context.close()
