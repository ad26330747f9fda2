"""The room's event stream in Chromium: pages update without polling, fall back to polling
when the stream fails, and a phone without JavaScript never opens one."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.conftest import LiveServer
from tests.live.test_browser import phone_joined, start

pytestmark = pytest.mark.e2e


class Requests:
    """The GET requests a page sends, by path, with when they were sent."""

    def __init__(self, page: Page) -> None:
        self.sent: list[tuple[float, str]] = []
        page.on("request", self.record)

    def record(self, request: Request) -> None:
        if request.method == "GET":
            self.sent.append((time.monotonic(), urlsplit(request.url).path))

    def to(self, path: str, since: float = 0.0) -> int:
        return sum(1 for at, sent in self.sent if sent == path and at >= since)


def presenter_path(page: Page) -> str:
    return urlsplit(page.url).path


def test_pages_update_from_the_stream_without_polling(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    presenter = Requests(page)
    context, phone = phone_joined(browser, live_server, code)
    on_phone = Requests(phone)
    phone.reload()  # count from the page's own start: its stream is opened once
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    phone.wait_for_timeout(1500)  # the stream opens

    quiet_from = time.monotonic()
    phone.wait_for_timeout(3500)  # polling would have sent three or four requests each
    room, present = f"/j/{code}", presenter_path(page)
    assert on_phone.to(room, quiet_from) == 0
    assert presenter.to(present, quiet_from) == 0

    stepped = time.monotonic()
    page.keyboard.press("ArrowRight")
    expect(phone.get_by_role("heading", name="Ground rules")).to_be_visible(timeout=1000)
    seen = time.monotonic() - stepped
    phone.wait_for_timeout(1500)
    assert on_phone.to(room, stepped) == 0  # the view came inside the event: no fetch, no polls
    assert on_phone.to(f"/j/{code}/events") == 1  # one stream, never reopened
    assert seen < 1.0
    context.close()


def test_after_a_vote_the_next_step_still_comes_inside_the_event(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    """The vote's answer replaces the form it came from (htmx then reports the request's end on
    an element outside the room): the views the stream sends afterwards are still shown."""
    code = start(page, live_server)
    context, phone = phone_joined(browser, live_server, code)
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.reload()
    phone.wait_for_timeout(1500)  # the stream opens
    page.keyboard.press("ArrowRight")  # ground rules
    expect(phone.get_by_role("heading", name="Ground rules")).to_be_visible(timeout=2500)
    page.keyboard.press("ArrowRight")  # the first scenario, voting open
    buttons = phone.locator(".vote-button")
    expect(buttons.first).to_be_visible(timeout=2500)
    on_phone = Requests(phone)
    buttons.nth(1).click()
    expect(buttons.nth(1)).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")  # reveal
    expect(phone.locator(".not-enough")).to_be_visible(timeout=2500)
    expect(phone.get_by_text("Your vote")).to_be_visible()
    assert on_phone.to(f"/j/{code}") == 0  # the reveal came inside the event
    assert errors == []
    context.close()


def test_a_phone_whose_stream_fails_keeps_updating_by_polling(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    context, phone = phone_joined(browser, live_server, code)
    context.route("**/events*", lambda route: route.abort())  # a proxy that drops streams
    on_phone = Requests(phone)
    phone.reload()
    phone.wait_for_timeout(2500)
    assert on_phone.to(f"/j/{code}") >= 2  # the page itself, then polls
    page.keyboard.press("ArrowRight")
    expect(phone.get_by_role("heading", name="Ground rules")).to_be_visible(timeout=2500)
    context.close()


def test_a_phone_without_javascript_opens_no_stream_and_refreshes(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server)
    context = browser.new_context(java_script_enabled=False)
    phone = context.new_page()
    on_phone = Requests(phone)
    phone.goto(f"{live_server.url}/j/{code}")
    phone.get_by_role("button", name="Join the session").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    page.keyboard.press("ArrowRight")
    phone.get_by_role("link", name="Refresh").click()
    expect(phone.get_by_role("heading", name="Ground rules")).to_be_visible()
    assert on_phone.to(f"/j/{code}/events") == 0
    context.close()
