"""A manager in a real browser: only their own reports, never a score; the privacy page at first sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.clock import utcnow
from app.config import PROJECT_ROOT
from app.db import session_for
from app.models import User
from tests.e2e.conftest import PASSWORD, LiveServer, assert_accessible, shot, sign_in
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion, make_read

SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "team-page.png"
TEAM = ["Maya Lopez", "Jonas Weber", "Priya Nair", "Kofi Mensah", "Sara Lind"]


def _report(session: object, email: str, name: str, manager: User) -> User:
    person = make_user(session, email, name=name)  # type: ignore[arg-type]
    person.manager_id = manager.id
    session.add(person)  # type: ignore[attr-defined]
    session.commit()  # type: ignore[attr-defined]
    return person


def _seed(db_url: str, module: str) -> None:
    now = utcnow()
    with session_for(db_url) as session:
        boss = make_user(session, "mona.manager@example.com", name="Mona Manager")
        lead = _report(session, "maya@example.com", TEAM[0], boss)
        people = [lead] + [
            _report(session, f"r{i}@example.com", name, lead if i > 2 else boss)
            for i, name in enumerate(TEAM[1:], start=1)
        ]
        for i, person in enumerate(people):
            make_assignment(
                session, person, module, due_at=now + timedelta(days=-4 if i == 3 else 10)
            )
        for person in people[:2]:
            make_read(session, person, module)
            make_attempt(session, person, module, points={"standup": 2, "review": 1})  # 75%
            make_completion(session, person, module)
        make_read(session, people[2], module)
        other = make_user(session, "olga.other@example.com", name="Olga Other")
        _report(session, "theo@example.com", "Theo Theirs", other)
        make_user(session, "first.timer@example.com", name="Fay First", privacy_seen=False)


@pytest.fixture(scope="module")
def team(live_server: LiveServer) -> LiveServer:
    _seed(live_server.db_url, live_server.catalog.modules[0].id)
    return live_server


def test_a_manager_sees_only_their_reports_and_never_a_score(page: Page, team: LiveServer) -> None:
    live_server = team
    sign_in(page, live_server, "mona.manager@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your team").click()
    expect(page.get_by_role("heading", name="Your team", level=1)).to_be_visible()
    people = page.locator("#team-people-table")
    for name in TEAM:
        expect(people.get_by_role("rowheader", name=name)).to_be_visible()
    expect(page.get_by_text("Theo Theirs")).to_have_count(0)
    expect(people.get_by_text("overdue")).to_have_count(1)
    text = page.locator("main").inner_text()
    assert "75%" not in text and "Score" not in text and "Attempt" not in text
    assert "40%" in text  # the team's completion rate (5 people, 2 complete) is shown
    page.set_viewport_size({"width": 1200, "height": 900})
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    shot(page, "team-page")
    assert_accessible(page, "team page")
    page.goto(f"{live_server.url}/team/999")
    expect(page.get_by_text("Theo Theirs")).to_have_count(0)


def test_the_first_sign_in_shows_who_sees_what_then_goes_on(page: Page, team: LiveServer) -> None:
    live_server = team
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Work email").fill("first.timer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Who sees what", level=1)).to_be_visible()
    assert_accessible(page, "privacy page")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(
        page.locator("footer").get_by_role("link", name="Privacy: who sees what")
    ).to_be_visible()
