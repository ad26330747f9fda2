"""A facilitator's press of Next on the laptop's session page (/live/{id}) is never lost and
never counts twice (issues 16 and 20): not when a poll is on its way, not when the press's own
answer is slow and Enter is pressed again, not when the event stream brings the next view
while the press's answer is still on its way.

The server and browser are real; Playwright only holds answers back (route), the way a slow
network or a loaded server would, and hands them over later."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Error, Locator, Page, Request, Response, Route, expect

from tests.e2e.conftest import LiveServer
from tests.live.test_accessible_browser import focused_id, shown_phase
from tests.live.test_browser import start

pytestmark = pytest.mark.e2e
SESSION = re.compile(r"/live/\d+$")  # the session page's poll (and a press's redirect)
EVENTS = re.compile(r"/live/\d+/events")
STEP = re.compile(r"/live/\d+/step$")
Held = list[tuple[Route, Response]]


def is_poll(request: Request) -> bool:
    """The session page's 1 s poll (it alone sends the ETag it shows), not a press's redirect."""
    return request.method == "GET" and "if-none-match" in request.headers


def hold(page: Page, pattern: re.Pattern[str], which: Callable[[Request], bool]) -> Held:
    """Let the server answer matching requests at once, but keep the answers back (held)."""
    held: Held = []

    def handler(route: Route) -> None:
        if which(route.request):
            held.append((route, route.fetch(max_redirects=0)))
        else:
            route.continue_()

    page.route(pattern, handler)
    return held


def wait_for(page: Page, held: Held, count: int) -> None:
    for _ in range(100):
        if len(held) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{len(held)} requests held, expected {count}")


def hand_over(page: Page, held: Held, pattern: re.Pattern[str]) -> None:
    """Give the browser the held answers, late (an aborted request refuses its answer)."""
    page.unroute(pattern)
    for route, answer in held:
        with contextlib.suppress(Error):
            route.fulfill(response=answer)


def on_server(page: Page) -> str:
    """The phase the server is at, asked afresh with the facilitator's cookies."""
    html = page.request.get(page.url.split("?")[0]).text()
    return re.search(r'remote-step-view phase-(\w+)"', html).group(1)  # type: ignore[union-attr]


def session_page(page: Page, server: LiveServer, *, stream: bool = False) -> tuple[Locator, int]:
    """A new session's page on the laptop (shortcuts off): its step-version field and value.

    Unless `stream`, its event stream is refused, so the page polls once a second (the
    fallback without streams)."""
    if not stream:
        page.route(EVENTS, lambda route: route.abort())
    start(page, server, shortcuts=False)
    # htmx has taken the controls over: a press before that is a plain form post (on a busy
    # machine one went out as a page load and the dropped connection showed Chromium's page).
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    version = page.locator("#step-version")
    return version, int(version.get_attribute("value") or "")


def test_next_pressed_while_a_poll_is_on_its_way_moves_one_step_and_no_old_answer_undoes_it(
    page: Page, live_server: LiveServer
) -> None:
    version, before = session_page(page, live_server)
    polls = hold(page, SESSION, is_poll)
    wait_for(page, polls, 1)  # a poll is on its way; its answer (the lobby) is held back
    page.locator("#control-next").focus()
    page.keyboard.press("Enter")
    expect(version).to_have_value(str(before + 1), timeout=5000)
    assert shown_phase(page) == "rules"
    hand_over(page, polls, SESSION)  # the lobby answer arrives late: it must change nothing
    page.wait_for_timeout(2500)  # and the next polls come and go
    assert shown_phase(page) == "rules" and on_server(page) == "rules"
    expect(version).to_have_value(str(before + 1))
    assert focused_id(page) == "control-next"


def test_enter_pressed_again_while_the_first_press_is_slow_moves_one_step_and_says_so(
    page: Page, live_server: LiveServer
) -> None:
    version, before = session_page(page, live_server)
    steps = hold(page, STEP, lambda request: request.method == "POST")
    page.locator("#control-next").focus()
    page.keyboard.press("Enter")
    wait_for(page, steps, 1)
    assert on_server(page) == "rules"  # the server moved on; the answer is slow to arrive
    expect(version).to_have_value(str(before))
    page.keyboard.press("Enter")  # nothing seemed to happen, so the facilitator presses again
    wait_for(page, steps, 2)
    hand_over(page, steps, STEP)
    expect(version).to_have_value(str(before + 1), timeout=5000)
    assert shown_phase(page) == "rules" and on_server(page) == "rules"  # one step, not two
    expect(page.locator("#remote-step .flash")).to_contain_text("already moved on")
    page.wait_for_timeout(1500)
    assert shown_phase(page) == "rules"
    assert focused_id(page) == "control-next"


def test_a_press_the_network_drops_is_said_and_pressing_again_moves_one_step(
    page: Page, live_server: LiveServer
) -> None:
    version, before = session_page(page, live_server)
    page.route(STEP, lambda route: route.abort("connectionreset"))
    page.locator("#control-next").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_have_text(
        re.compile(r"^Nothing changed: .* Press again\.$")
    )
    assert focused_id(page) == "control-next"
    expect(version).to_have_value(str(before))
    assert shown_phase(page) == "lobby" and on_server(page) == "lobby"
    page.unroute(STEP)
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_contain_text("Ground rules", timeout=5000)
    assert shown_phase(page) == "rules" and on_server(page) == "rules"
    assert focused_id(page) == "control-next"


def test_next_whose_answer_is_slow_while_the_stream_brings_the_step_moves_one_step(
    page: Page, live_server: LiveServer
) -> None:
    version, before = session_page(page, live_server, stream=True)
    page.wait_for_function("() => document.querySelector('[data-live-stream]') !== null")
    page.wait_for_timeout(500)  # the stream is open (its first view shown)
    steps = hold(page, STEP, lambda request: request.method == "POST")
    page.locator("#control-next").focus()
    page.keyboard.press("Enter")
    wait_for(page, steps, 1)
    assert on_server(page) == "rules"  # moved; the stream's view of it is held back meanwhile
    page.wait_for_timeout(800)
    expect(version).to_have_value(str(before))
    hand_over(page, steps, STEP)  # the press's own answer, then the view the stream kept
    expect(version).to_have_value(str(before + 1), timeout=5000)
    page.wait_for_timeout(1500)
    assert shown_phase(page) == "rules" and on_server(page) == "rules"
    expect(version).to_have_value(str(before + 1))
    assert focused_id(page) == "control-next"
