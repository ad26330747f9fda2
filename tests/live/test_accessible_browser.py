"""Group sessions as a blind facilitator or a keyboard-only participant meets them (issue 16):
polls never take focus away, the one announcer says what changed, single-key shortcuts are off
until turned on, skipping asks first, and options are "Option B: ..." everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import LiveServer, sign_in
from tests.live.phones import Phone, close_all
from tests.live.test_browser import MODULE, phone_joined, projector_of, start

pytestmark = pytest.mark.e2e
SCENARIO_ID = re.compile(r'name="scenario_id" value="([^"]+)"')
CHOICE_ID = re.compile(r'name="choice" value="([^"]+)"')
# Every message the announcer says, in order (the region is emptied before each message).
RECORD_ANNOUNCER = """() => {
  window.said = [];
  const region = document.getElementById("announcer");
  new MutationObserver(() => { if (region.textContent) window.said.push(region.textContent); })
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def said(page: Page) -> list[str]:
    return list(page.evaluate("window.said"))


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


# The phase on the session page, read only once htmx has settled it: for a moment after a
# swap (htmx's settle delay, longer on a loaded machine) the new #remote-step still wears the
# old one's class, plus "htmx-added htmx-settling", so its class then names the step before.
SETTLED_PHASE = """() => {
  const stage = document.getElementById("remote-step");
  const match = stage && /^remote-step-view phase-(\\w+)$/.exec(stage.className);
  return match && match[1];
}"""


def shown_phase(page: Page) -> str:
    return str(page.wait_for_function(SETTLED_PHASE, timeout=5000).json_value())


def next_until(page: Page, phase: str, limit: int = 30) -> None:
    """Press Next (the button) until the session page shows `phase`, one step per press."""
    version = page.locator("#step-version")
    for _ in range(limit):
        now = shown_phase(page)
        if now == phase:
            return
        assert now != "ended", f"the session ended before {phase}"
        shown = version.get_attribute("value") or ""
        page.locator("#control-next").click()
        # The step moved (a press is never lost). Version and stage come in one swap.
        expect(version).not_to_have_value(shown, timeout=5000)
    raise AssertionError(f"never reached {phase}")


def phone_at(
    page: Page, browser: Browser, server: LiveServer, phase: str
) -> tuple[BrowserContext, Page]:
    """A new session with one phone in it (its announcer recorded), moved on to `phase`."""
    context, phone = phone_joined(browser, server, start(page, server))
    phone.evaluate(RECORD_ANNOUNCER)
    next_until(page, phase)
    return context, phone


def vote_over_http(phone: Phone, index: int) -> None:
    page = phone.client.get(f"/j/{phone.code}").text
    scenario = SCENARIO_ID.search(page).group(1)  # type: ignore[union-attr]
    choice = CHOICE_ID.findall(page)[index]
    assert phone.vote(choice, scenario) == 303


@pytest.fixture
def phones(live_server: LiveServer) -> Iterator[list[Phone]]:
    made: list[Phone] = []
    yield made
    close_all([phone.client for phone in made])


def test_focus_stays_on_next_on_presenter_and_remote_while_five_phones_join_and_vote(
    page: Page, live_server: LiveServer, phones: list[Phone]
) -> None:
    code = start(page, live_server, shortcuts=False)
    remote = page.context.new_page()
    remote.goto(f"{page.url}/remote")
    for view in (page, remote):
        view.evaluate(RECORD_ANNOUNCER)
        view.locator("#control-next").focus()
    next_button = page.locator("#control-next")
    button_node = next_button.element_handle()
    for _ in range(5):
        phones.append(Phone(live_server.url, code))
        phones[-1].join()
    expect(page.locator(".remote-counts")).to_contain_text("5 joined", timeout=4000)
    expect(remote.locator(".remote-counts")).to_contain_text("5 joined", timeout=4000)
    # The count is said at once, then at most once every 10 s, never on every poll.
    expect(page.locator("#announcer")).to_have_text("5 people have joined", timeout=12000)
    counts = [m for m in said(page) if "joined" in m]
    assert 1 <= len(counts) <= 2 and counts[-1] == "5 people have joined", counts
    for view in (page, remote):
        assert focused_id(view) == "control-next"

    for expected in ("Ground rules", "voting open"):
        page.keyboard.press("Enter")  # on the focused Next button
        expect(page.locator("#announcer")).to_contain_text(expected, timeout=4000)
        assert focused_id(page) == "control-next"
    assert re.fullmatch(r"Scenario 1 of \d: voting open", said(page)[-1])
    expect(remote.locator("#announcer")).to_contain_text("voting open", timeout=4000)
    for index, phone in enumerate(phones):
        vote_over_http(phone, index % 3)
    expect(page.locator(".remote-counts")).to_contain_text("5 of 5 voted", timeout=4000)
    expect(remote.locator(".remote-counts")).to_contain_text("5 of 5 voted", timeout=4000)
    for view in (page, remote):
        assert focused_id(view) == "control-next"
    # The very same button element: patched in place, never replaced.
    assert page.evaluate("b => b.isConnected && document.activeElement === b", button_node)
    remote.close()


def test_a_vote_is_announced_focused_and_named_by_its_letter_even_in_forced_colours(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    context, phone = phone_at(page, browser, live_server, "show")
    option_b = phone.get_by_role("button", name=re.compile(r"^Option B: \S"))
    expect(option_b).to_be_visible(timeout=3000)
    expect(phone.locator("#announcer")).to_contain_text("voting open", timeout=3000)
    option_b.click()
    expect(phone.locator("#announcer")).to_have_text("Vote recorded: option B", timeout=3000)
    assert focused_id(phone) == "vote-status"
    expect(phone.locator("#vote-status")).to_contain_text("Your vote is in: Option B")
    expect(option_b).to_have_attribute("aria-pressed", "true")
    expect(
        phone.get_by_role("button", name=re.compile(r"^Option B: .* Your vote$"))
    ).to_be_visible()
    phone.emulate_media(forced_colors="active")
    badge = phone.locator(".vote-button .badge-mine")
    expect(badge).to_have_text("Your vote")
    expect(badge).to_be_visible()
    assert badge.evaluate("e => getComputedStyle(e).borderStyle") == "solid"
    context.close()


def test_a_half_typed_commitment_survives_a_countdown_and_a_step_away_and_back(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    context, phone = phone_at(page, browser, live_server, "wrapup")
    box = phone.locator("#commitment-situation")
    expect(box).to_be_visible(timeout=3000)
    box.click()
    half = "someone's idea is restated in a meeting"
    phone.keyboard.type(half)
    box_node = box.element_handle()
    page.locator("#countdown-2").click()  # the phone's step view changes under the typing
    expect(phone.locator("[data-countdown-ends]")).to_be_visible(timeout=3000)
    expect(box).to_have_value(half)
    assert focused_id(phone) == "commitment-situation"
    assert phone.evaluate("b => b.isConnected", box_node)  # kept, not rebuilt
    page.locator("#control-back").click()  # away to the discussion: the box goes
    expect(box).to_have_count(0, timeout=3000)
    page.locator("#control-next").click()  # and back to the wrap-up
    expect(box).to_have_value(half, timeout=3000)
    context.close()


def test_shortcuts_are_off_until_turned_on_and_skip_asks_first(
    page: Page, live_server: LiveServer
) -> None:
    start(page, live_server, shortcuts=False)
    page.evaluate(RECORD_ANNOUNCER)
    switch = page.get_by_label("Use single-key shortcuts")
    expect(switch).not_to_be_checked()
    for key in ("n", "ArrowRight", " ", "PageDown"):
        page.keyboard.press(key)
    page.wait_for_timeout(2000)
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-lobby"))

    switch.check()
    page.locator("#remote-step").click()
    page.keyboard.press("n")
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-rules"), timeout=3000)
    page.reload()  # remembered in this browser
    expect(switch).to_be_checked()
    page.locator("#remote-step").click()
    page.keyboard.press("n")
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-show"), timeout=3000)
    expect(page.locator(".remote-scenario")).to_contain_text("Scenario 1 of")

    page.keyboard.press("s")  # asks first: nothing moves until "Yes, skip"
    yes = page.get_by_role("button", name="Yes, skip")
    expect(yes).to_be_focused()
    expect(page.locator("#skip-question")).to_contain_text("Skip the rest of scenario 1")
    page.wait_for_timeout(1500)
    expect(page.locator(".remote-scenario")).to_contain_text("Scenario 1 of")
    page.keyboard.press("Escape")
    expect(yes).to_be_hidden()
    assert focused_id(page) == "control-skip"
    page.locator("#remote-step").click()
    page.keyboard.press("s")
    page.keyboard.press("Enter")
    expect(page.locator(".remote-scenario")).to_contain_text("Scenario 2 of", timeout=3000)
    expect(page.locator(".remote-skipped")).to_contain_text("Skipped: scenario 1")
    expect(page.locator("#announcer")).to_contain_text("Scenario 2 of", timeout=3000)
    expect(yes).to_be_hidden()  # the question closes once the step moved
    assert focused_id(page) == "control-skip"


def test_skip_asks_first_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "facilitator@example.com")
    page.goto(f"{live_server.url}/live/new?module_id={MODULE}")
    page.get_by_role("button", name="Create the session").click()
    for _ in range(2):
        page.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.locator("#remote-step")).to_have_class(re.compile("phase-show"))
    page.locator("#control-skip").click()  # a disclosure: the browser opens it, no script
    expect(page.get_by_role("button", name="Yes, skip")).to_be_visible()
    expect(page.locator(".remote-scenario")).to_contain_text("Scenario 1 of")
    page.get_by_role("button", name="Yes, skip").click()
    expect(page.locator(".remote-scenario")).to_contain_text("Scenario 2 of")
    context.close()


def test_results_summary_and_guide_name_options_by_letter_and_hide_meters(
    page: Page, live_server: LiveServer, phones: list[Phone]
) -> None:
    code = start(page, live_server)
    projector = projector_of(page)
    for _ in range(5):
        phones.append(Phone(live_server.url, code))
        phones[-1].join()
    next_until(page, "show")
    choices = projector.locator("#stage .choices-list")
    expect(choices).to_be_visible(timeout=4000)
    assert re.search(r'listitem: "?Option B: \S', choices.aria_snapshot())
    for index, phone in enumerate(phones):
        vote_over_http(phone, 1 if index < 3 else 0)
    expect(projector.locator(".vote-count")).to_contain_text("5 of 5", timeout=4000)
    next_until(page, "reveal")
    # The released counts can follow the reveal by a poll (votes are released in blocks).
    expect(projector.locator("#stage .results")).to_contain_text("3 votes", timeout=5000)
    results = projector.locator("#stage .results").aria_snapshot()
    assert re.search(r"Option B: \S", results) and "3 votes" in results and "2 votes" in results, (
        results
    )
    assert "meter" not in results  # the bar is drawn, its words are read
    expect(projector.locator("#stage .results meter").first).to_be_visible()

    page.goto(f"{page.url}/summary")
    expect(page.get_by_role("rowheader", name=re.compile(r"^Option B: \S"))).to_have_count(1)
    page.goto(f"{live_server.url}/live/guides/{MODULE}")
    page.emulate_media(media="print")
    choices = page.locator(".guide-choices").first
    assert choices.evaluate("e => getComputedStyle(e).listStyleType") == "none"  # no 1-4
    drawn = choices.locator(".letter").evaluate_all(
        "marks => marks.map(m => getComputedStyle(m, '::before').content)"
    )
    assert len(drawn) >= 3 and all(
        mark.startswith(f'"{letter}"') for mark, letter in zip(drawn, "ABCD", strict=False)
    ), drawn
    assert re.search(r"Option A: \S", choices.aria_snapshot())
