"""Open answers in a real browser: phones send, the presenter approves, and the projector's
panel fits 1920x1080 and 1366x768 without scrolling, even with six 280-character answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, shot
from tests.live.test_browser import phone_joined, start

pytestmark = pytest.mark.e2e
LONG = "Ich würde sagen: " + "das war Anas Idee, lass sie bitte ausreden. " * 7


def test_answers_reach_the_projector_only_approved_and_fit_the_screen(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server, shortcuts=False)
    controls, page = page, page.context.new_page()  # the session page has the controls
    page.goto(controls.url.split("?")[0].rstrip("/") + "/present")
    controls.get_by_role("button", name="Take questions").click()
    expect(page.locator("#answers-screen")).to_contain_text(
        "Answers appear when five phones have answered"
    )
    for i in range(6):
        context, phone = phone_joined(browser, live_server, code)
        phone.get_by_label("Your question for the group").fill(f"{i} {LONG}"[:280])
        phone.get_by_role("button", name="Send anonymously").click()
        expect(phone.locator("#answer-sent")).to_be_visible()
        context.close()
    expect(controls.locator(".answers-moderation li")).to_have_count(6, timeout=5000)  # polled in
    screen = page.locator("#answers-screen")
    expect(screen).to_contain_text("The facilitator picks which answers to show")
    for _ in range(6):
        controls.locator("[id^=answer-approve-]").first.click()
        controls.wait_for_timeout(300)
    expect(screen.locator(".answers-wall li")).to_have_count(6, timeout=5000)
    for width, height in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        box = screen.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= height, f"answers run below the fold at {width}x{height}"
        size = float(
            screen.locator(".answers-wall li").first.evaluate(
                "e => parseFloat(getComputedStyle(e).fontSize)"
            )
        )
        assert size >= (28 if height == 1080 else 20), f"{size}px at {width}x{height}"
        shot(page, f"live-answers-{width}x{height}")
