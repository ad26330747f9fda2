"""Lasting learning in a real browser with JavaScript off: the dashboard's due cards, the check-in,
the refresher, the stop link and HR's panel; every page axe-clean as the no-script browser got it.

axe cannot run in a tab with JavaScript off (its run waits on timers, which never fire there, so
`axe.run` never returns). So the flow runs in a no-script tab, and each page it reached (even a
422 after a POST) is replayed byte for byte in a scripted tab whose own app scripts are blocked,
and axe runs there. The test has its own server. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from app.clock import utcnow
from app.config import PROJECT_ROOT, Settings
from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from app.lasting import commitments, stopping
from app.lasting.cards import CHECKIN_TITLE, REFRESHER_TITLE
from app.models import Completion, row_id
from tests.e2e.conftest import LiveServer, assert_accessible, sign_in
from tests.factories import make_department, make_user
from tests.servers import SECRET, start_server, stop_server

SHOTS = PROJECT_ROOT / "docs" / "screenshots"
REFRESHED = "celebrate-her-accomplishments"  # a module with a refresher pool
LENA = "lena.lasting@example.com"
PLAN = commitments.Plan("someone's idea is repeated by another", "say whose idea it was")


@dataclass
class Lasting:
    server: LiveServer
    lena: int
    planned: str  # the module of Lena's due plan


def _seed(db_url: str, planned: str) -> int:
    """Lena: a plan due for its check-in and a module passed 3 days ago (refresher round 1 open);
    a department of 6 who answered their check-ins (HR's panel releases blocks of 5)."""
    made = utcnow() - timedelta(days=31)
    with session_for(db_url) as session:
        make_user(session, "hr.lasting@example.com", name="Hana HR", role="hr")
        lena = make_user(session, LENA, name="Lena Lasting")
        commitments.save(session, user_id=row_id(lena), module_id=planned, plan=PLAN, now=made)
        session.add(
            Completion(
                user_id=row_id(lena), module_id=REFRESHED, completed_at=utcnow() - timedelta(days=3)
            )
        )
        session.commit()
        sales = make_department(session, "Sales (lasting)")
        for i, acted in enumerate(["often", "once", "a-few-times", "often", "not-yet", "once"]):
            person = make_user(session, f"sales{i}.lasting@example.com", department=sales)
            uid = row_id(person)
            commitments.save(session, user_id=uid, module_id=planned, plan=PLAN, now=made)
            commitments.check_in(
                session, user_id=uid, module_id=planned, acted=acted, decision="keep"
            )
        return row_id(lena)


@pytest.fixture(scope="module")
def lasting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lasting]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('lasting') / 'lasting.db'}"
    upgrade(db_url)
    catalog = load_catalog(PROJECT_ROOT)
    planned = next(m.id for m in catalog.modules if m.id != REFRESHED)
    lena = _seed(db_url, planned)
    proc, url = start_server(db_url)
    yield Lasting(LiveServer(url=url, db_url=db_url, catalog=catalog), lena, planned)
    stop_server(proc)


@pytest.fixture
def no_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def replay(browser: Browser) -> Iterator[Page]:
    """A scripted tab (axe needs timers) in which the app's own scripts never load."""
    context = browser.new_context()
    context.route("**/*.js", lambda route: route.abort())
    yield context.new_page()
    context.close()


def axe_as_served(no_js: Page, replay: Page, label: str) -> None:
    """axe on exactly the page the no-script tab shows: its HTML served again at its URL."""
    url, _ = urldefrag(no_js.url)
    html = no_js.content()

    def serve(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    replay.route(lambda asked: urldefrag(asked)[0] == url, serve)
    replay.goto(url)
    assert_accessible(replay, label)
    replay.unroute_all()


def test_due_cards_check_in_and_refresher_work_without_javascript(
    no_js: Page, replay: Page, lasting: Lasting
) -> None:
    server = lasting.server
    planned = server.catalog.by_id[lasting.planned]
    refreshed = server.catalog.by_id[REFRESHED]
    page = no_js
    sign_in(page, server, LENA)
    page.goto(f"{server.url}/")
    cards = page.locator("#due-cards")
    expect(cards).to_contain_text(f"{CHECKIN_TITLE}: {planned.title}")
    expect(cards).to_contain_text(f"{REFRESHER_TITLE}: {refreshed.title}")
    axe_as_served(page, replay, "dashboard with both due cards")
    assert cards.locator("ul").evaluate("ul => getComputedStyle(ul).listStyleType") == "none"
    SHOTS.mkdir(parents=True, exist_ok=True)
    cards.screenshot(path=str(SHOTS / "lasting-dashboard-cards.png"))

    cards.get_by_role("link", name="Check in").filter(has_text=planned.title).click()
    assert urlsplit(page.url).path == f"/modules/{planned.id}/commitment"
    axe_as_served(page, replay, "check-in form")
    page.get_by_role("button", name="Save my check-in").click()  # nothing chosen
    expect(page.locator("#check-in .error-summary")).to_contain_text("How often you acted")
    axe_as_served(page, replay, "check-in form with a problem")
    page.get_by_label("A few times").check()
    page.get_by_label("Keep it: ask me again in 30 days").check()
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.get_by_text("your check-in is saved")).to_be_visible()
    expect(page.locator("#check-in-history")).to_contain_text("A few times")
    axe_as_served(page, replay, "commitment with its history")
    page.goto(f"{server.url}/")
    expect(page.locator(".due-card", has_text=CHECKIN_TITLE)).to_have_count(0)  # answered

    cards = page.locator("#due-cards")
    cards.get_by_role("link", name="Take the refresher").filter(has_text=refreshed.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refresher")
    axe_as_served(page, replay, "refresher question")
    page.get_by_role("button", name="Send my answer").click()  # nothing chosen
    expect(page.locator(".error-summary")).to_be_visible()
    axe_as_served(page, replay, "refresher with a problem")
    page.locator("input[name=answer]").first.check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#refresher-result")).to_contain_text("of 2 points")
    axe_as_served(page, replay, "refresher feedback")
    page.goto(f"{server.url}/commitments")
    axe_as_served(page, replay, "my commitments")


def test_the_stop_link_works_in_one_click_without_javascript(
    no_js: Page, replay: Page, lasting: Lasting
) -> None:
    server = lasting.server
    settings = Settings(database_url=server.db_url, base_url=server.url, secret_key=SECRET)
    with session_for(server.db_url) as session:
        version = stopping.preference(session, lasting.lena).version
    link = stopping.stop_link(settings, user_id=lasting.lena, version=version)
    page = no_js
    page.goto(link)  # not signed in: the link alone is enough
    axe_as_served(page, replay, "stop page")
    page.get_by_role("button", name="Stop all nudges").click()
    expect(page.get_by_role("heading", name="Nudges stopped")).to_be_visible()
    axe_as_served(page, replay, "stopped page")
    with session_for(server.db_url) as session:
        assert stopping.preference(session, lasting.lena).stopped_at is not None
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("already been used")
    expect(page.get_by_role("button", name="Stop all nudges")).to_have_count(0)
    axe_as_served(page, replay, "stop page for a used link")


def test_hr_sees_the_lasting_learning_panel_and_no_plan_without_javascript(
    no_js: Page, replay: Page, lasting: Lasting
) -> None:
    page = no_js
    sign_in(page, lasting.server, "hr.lasting@example.com")
    page.goto(f"{lasting.server.url}/hr")
    panel = page.locator("#lasting-learning")
    row = panel.locator("#lasting-checkins tr", has_text="Sales (lasting)")
    expect(row.locator("td").first).to_have_text("6")  # 6 plans, released as one block
    expect(panel).not_to_contain_text("whose idea it was")
    expect(panel).not_to_contain_text("Lena")
    axe_as_served(page, replay, "HR overview with the lasting-learning panel")
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "lasting-hr-panel.png"))


def test_the_replay_audits_what_the_no_script_tab_shows(
    no_js: Page, replay: Page, lasting: Lasting
) -> None:
    """A fault only in the no-script tab's page is found, and the app's scripts never ran."""
    no_js.goto(f"{lasting.server.url}/login")
    axe_as_served(no_js, replay, "sign-in page")
    assert replay.evaluate("typeof htmx") == "undefined"
    no_js.evaluate("document.querySelector('main').append(document.createElement('button'))")
    with pytest.raises(AssertionError, match="button-name"):
        axe_as_served(no_js, replay, "sign-in page with a nameless button")
