"""Issue 16 on the non-live pages, in Chromium: swaps announced through the one announcer
with focus put somewhere deliberate, the filter form following Back, reflow at 320 px with
WCAG text spacing, and dark mode that never reaches paper."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from app.clock import utcnow
from app.db import session_for
from app.models import Assignment
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import make_department, make_user
from tests.live.test_browser import start

MODULE = "why-allies-matter"
# WCAG 1.4.12: the spacing a person's own style sheet may set, which must lose nothing.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
OPEN_DETAILS = "document.querySelectorAll('details').forEach(d => d.open = true)"
SIDEWAYS = (
    "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth,"
    " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
    " document.scrollingElement.clientWidth + 1 && !e.closest('.table-wrap, .visually-hidden'))"
    ".slice(0, 3).map(e => e.tagName + '.' + e.className)]"
)


def announcer(page: Page) -> str:
    return str(page.locator("#announcer").text_content() or "")


def active(page: Page, what: str) -> str:
    return str(page.evaluate(f"document.activeElement.{what}"))


def test_saving_a_reflection_is_announced_and_focus_stays_on_the_button(
    page: Page, live_server: LiveServer
) -> None:
    with session_for(live_server.db_url) as session:
        make_user(session, "announce@example.com", name="Ari Announce")
    sign_in(page, live_server, "announce@example.com")
    page.goto(f"{live_server.url}/modules/{MODULE}")
    page.get_by_label("Your private reflection").fill("Said out loud.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.locator("#announcer")).to_have_text("Reflection saved")
    expect(page.locator(".save-status")).to_contain_text("Saved")
    assert active(page, "textContent").strip() == "Save reflection"
    assert page.locator("#reflection [aria-live]").count() == 0
    page.get_by_role("button", name="Save reflection").click()  # the same message again
    expect(page.locator("#announcer")).to_have_text("Reflection saved")


def test_people_filter_and_paging_are_announced_and_back_restores_the_filters(
    page: Page, live_server: LiveServer
) -> None:
    with session_for(live_server.db_url) as session:
        paging = make_department(session, "Paging")
        for n in range(55):
            make_user(session, f"page{n:02}@example.com", name=f"Pat {n:02}", department=paging)
        paging_id = str(paging.id)
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr/people")

    page.get_by_label("Department").focus()
    page.get_by_label("Department").select_option(label="Paging")
    expect(page.locator("#announcer")).to_have_text("55 people match, page 1 of 2")
    assert active(page, "id") == "department"  # the filter the person is setting keeps focus
    expect(page).to_have_url(re.compile(f"department={paging_id}"))

    page.get_by_role("link", name="Next").click()
    expect(page.locator("#announcer")).to_have_text("55 people match, page 2 of 2")
    assert active(page, "tagName") == "CAPTION"
    assert active(page, "textContent") == "People, page 2 of 2"
    expect(page.get_by_role("table")).to_contain_text("Pat 54")

    page.get_by_role("link", name="Previous").click()
    expect(page.locator("#announcer")).to_have_text("55 people match, page 1 of 2")
    assert active(page, "tagName") == "CAPTION"

    page.get_by_label("Status").select_option(label="Not started")
    expect(page.locator("#announcer")).to_contain_text("people match")
    page.go_back()  # the page of Paging before the status was chosen
    expect(page).to_have_url(re.compile(f"department={paging_id}(&|$)"))
    expect(page.get_by_label("Department")).to_have_value(paging_id)
    expect(page.get_by_label("Status")).to_have_value("")


def pages_to_reflow(page: Page, server: LiveServer) -> list[tuple[str, str]]:
    """(who, path) for every non-live page type, plus the join card, the join page and the
    session page with its shortcut list open, and the presenter."""
    with session_for(server.db_url) as session:  # so the department chart is drawn
        department = make_department(session, "Reflow and Long Department Name Limited")
        for n in range(6):
            person = make_user(session, f"reflow{n}@example.com", department=department)
            session.add(Assignment(user_id=person.id or 0, module_id=MODULE, due_at=utcnow()))
        session.commit()
    code = start(page, server)  # signs the facilitator in and opens a session
    session_page = page.url  # the controls, where the shortcut list is
    return [
        ("anonymous", "/login"),
        ("anonymous", "/help"),
        ("anonymous", "/j"),
        ("anonymous", f"/j/{code}"),
        ("anonymous", "/no-such-page"),
        ("learner@example.com", "/"),
        ("learner@example.com", f"/modules/{MODULE}"),
        ("learner@example.com", f"/modules/{MODULE}/quiz"),
        ("learner@example.com", "/account"),
        ("hr@example.com", "/hr"),
        ("hr@example.com", "/hr/people"),
        ("hr@example.com", "/hr/scenarios"),
        ("hr@example.com", "/hr/assignments"),
        ("hr@example.com", "/hr/import"),
        ("hr@example.com", "/hr/reminders"),
        ("facilitator@example.com", session_page.removeprefix(server.url)),
        ("facilitator@example.com", f"{session_page.removeprefix(server.url)}/present"),
        ("facilitator@example.com", f"/live/guides/{MODULE}"),
    ]


def test_every_page_type_reflows_at_320px_with_text_spacing(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    targets = pages_to_reflow(page, live_server)
    overflowing = []
    for who in dict.fromkeys(w for w, _ in targets):
        # The spacing comes from the person's own style sheet, which no page's CSP can block.
        context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
        narrow = context.new_page()
        if who != "anonymous":
            sign_in(narrow, live_server, who)
        for _, path in (t for t in targets if t[0] == who):
            narrow.goto(f"{live_server.url}{path}")
            narrow.add_style_tag(content=TEXT_SPACING)
            narrow.evaluate(OPEN_DETAILS)
            wide, width, culprits = narrow.evaluate(SIDEWAYS)
            if wide > width:
                overflowing.append(f"{who} {path}: {wide} > {width} {culprits}")
        context.close()
    assert not overflowing, "\n".join(overflowing)


def test_the_check_sees_a_page_that_scrolls_sideways(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/help")
    page.evaluate("document.querySelector('h1').style.width = '900px'")
    wide, width, _ = page.evaluate(SIDEWAYS)
    assert wide > width


def test_wide_tables_scroll_in_a_labelled_focusable_region(
    page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr/people")
    region = page.get_by_role("region", name=re.compile("^People"))
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls in here


@pytest.mark.parametrize("who,path", [("facilitator@example.com", f"/live/guides/{MODULE}")])
def test_a_guide_printed_in_dark_mode_is_dark_text_on_white(
    page: Page, live_server: LiveServer, who: str, path: str
) -> None:
    sign_in(page, live_server, who)
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}{path}")
    screen = page.evaluate("getComputedStyle(document.body).color")
    assert screen != "rgb(0, 0, 0)"  # the dark theme is on for the screen
    page.emulate_media(color_scheme="dark", media="print")
    colours = page.evaluate(
        """() => [...document.querySelectorAll('main, main h1, main h2, main p, main td, main th, main li, main a')]
              .filter(e => e.getClientRects().length)
              .map(e => [e.tagName, getComputedStyle(e).color])"""
    )
    assert colours, "the printed page has text"
    light = [(tag, c) for tag, c in colours if c not in ("rgb(0, 0, 0)", "rgb(51, 51, 51)")]
    assert not light, f"text that is not dark on paper: {light[:5]}"
    backgrounds = page.evaluate(
        """() => [document.documentElement, document.body, ...document.querySelectorAll('main, main *')]
              .map(e => getComputedStyle(e).backgroundColor)
              .filter(c => c !== 'rgba(0, 0, 0, 0)')"""
    )
    assert set(backgrounds) <= {"rgb(255, 255, 255)"}, set(backgrounds)
