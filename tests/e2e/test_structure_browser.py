"""Issue 16 in Chromium, keyboard only: the presenter keeps a skip link, the way home and Help;
page titles follow the live step through polled and clicked swaps; messages on a page drawn
in full get focus once; an error summary's link lands on a field that can take focus."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.db import session_for
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import make_user
from tests.live.test_browser import phone_joined, projector_of, start

SITE = " · Allies in Practice"


def focused(page: Page, what: str = "id") -> str:
    return str(page.evaluate(f"document.activeElement.{what}"))


def tab_until(page: Page, name: str, limit: int = 12) -> bool:
    """Press Tab until the focused element's text is `name`; each stop must be on screen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        box = page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect();"
            " return [r.width, r.height, r.left]; })()"
        )
        assert box[0] > 0 and box[1] > 0 and box[2] >= 0, f"focus on something unseen: {box}"
        if focused(page, "textContent").strip() == name:
            return True
    return False


def test_presenter_keeps_skip_link_home_and_help_and_its_title_follows_the_step(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = start(page, live_server, shortcuts=False)
    controls = page
    page = projector_of(controls)
    expect(page.locator("h1")).to_have_count(1)
    page.keyboard.press("Tab")
    assert focused(page, "className") == "skip-link"
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    assert tab_until(page, "Help"), "Help is reached by keyboard on the presenter"
    assert page.locator(".brand").is_visible(), "a way off the page"

    phone_context, phone = phone_joined(browser, live_server, code)
    lobby = phone.title()
    assert lobby.startswith("Waiting to start · ") and lobby.endswith(SITE)
    controls.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.locator("#stage h1")).to_have_text("Ground rules", timeout=5000)  # polled
    expect(page).to_have_title(re.compile(r"^Ground rules · .+ · Presenter · Allies in Practice$"))
    expect(phone).to_have_title(re.compile(r"^Ground rules · "), timeout=5000)  # polled
    controls.get_by_role("button", name=re.compile("^Next")).click()
    expect(page).to_have_title(
        re.compile(r"^Voting open: Scenario 1 of \d+ · .+ · Presenter"), timeout=5000
    )
    expect(phone).to_have_title(re.compile(r"^Voting open: Scenario 1 of \d+ · "), timeout=5000)
    named = re.match(r"^Voting open: Scenario 1 of \d+ · (.+) · Allies in Practice$", phone.title())
    assert named and named.group(1) == phone.locator("h1").inner_text()
    expect(phone.locator("h1")).to_have_count(1)
    phone_context.close()


def test_a_wrong_join_code_message_is_focused_once_on_load(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/j?code=OOO")
    assert focused(page) == "code-error"
    assert page.locator("[role=alert]").count() == 0, "focus says it; no second announcement"


def test_import_file_problem_is_summarised_focused_and_links_to_the_field(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr/import")
    page.get_by_label("CSV file (up to 10 MB)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": b"mail,name\nx@y.z,X\n"}]
    )
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the summary's link
    assert focused(page) == "file"
    assert page.locator("#file").get_attribute("aria-invalid") == "true"
    described = page.locator("#file").get_attribute("aria-describedby") or ""
    assert "file-error" in described.split()
    assert "are missing" in page.locator("#file-error").inner_text()


def test_quiz_error_summary_links_move_focus_to_the_first_radio(
    page: Page, live_server: LiveServer
) -> None:
    with session_for(live_server.db_url) as session:
        make_user(session, "summarylinks@example.com", name="Sam Links")
    sign_in(page, live_server, "summarylinks@example.com")
    page.goto(f"{live_server.url}/modules/why-allies-matter/quiz")
    page.get_by_role("button", name="Submit my answers").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert page.locator("[role=alert]").count() == 1
    first = summary.get_by_role("link").first
    first.focus()
    page.keyboard.press("Enter")
    assert focused(page, "type") == "radio"
    assert focused(page, "getAttribute('aria-invalid')") == "true"
    scenario = page.evaluate("document.activeElement.closest('fieldset').id")
    href = first.get_attribute("href") or ""
    assert href.startswith(f"#c-{scenario.removeprefix('scenario-')}-")
