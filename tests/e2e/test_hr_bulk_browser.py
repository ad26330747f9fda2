"""HR in Chromium: select everyone the filter matches and assign a module to them in one go."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import col, select

from app.db import session_for
from app.models import Assignment, User
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import make_department, make_user

TEAM = "Bulk Team"


def test_bulk_assign_to_all_that_match_the_filter(page: Page, live_server: LiveServer) -> None:
    with session_for(live_server.db_url) as session:
        team = make_department(session, TEAM)
        for i in range(6):
            make_user(session, f"bulk{i}@example.com", name=f"Bulk Person {i}", department=team)
    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr/people")
    page.get_by_label("Department").select_option(label=TEAM)
    page.get_by_role("button", name="Apply filters").click()
    # The filtered table's own announcement first: on a busy machine it came after the tick
    # below and took the announcer's place.
    expect(page.locator("#announcer")).to_have_text("6 people match, page 1 of 1")
    expect(page.get_by_role("table")).to_contain_text("Bulk Person 5")

    page.get_by_label("Select Bulk Person 1").check()
    expect(page.locator("#announcer")).to_have_text("1 person selected on this page")
    matching = page.get_by_label("Select all 6 people that match the filter")
    matching.focus()
    page.keyboard.press("Space")
    expect(page.locator("#announcer")).to_have_text(
        "All 6 people that match the filter are selected"
    )
    page.get_by_label("Action").select_option(label="Assign modules")
    page.locator("#bulk-actions").get_by_label("Why allies matter").check()
    due = (date.today() + timedelta(days=14)).isoformat()
    page.get_by_label("Due date (for “Assign modules” and “Set a due date”)").fill(due)
    page.get_by_role("button", name="Apply to the selected people").click()

    outcome = page.locator("#bulk-outcome")
    expect(outcome).to_contain_text("Assigned 1 module to 6 people: 6 new assignments")
    expect(outcome).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("Assigned 1 module to 6 people")
    shot(page, "hr-people-bulk-assigned")
    assert_accessible(page, "people, after a bulk assignment")

    with session_for(live_server.db_url) as session:
        team_ids = select(User.id).where(col(User.email).like("bulk%@example.com"))
        assigned = session.exec(
            select(Assignment.user_id).where(col(Assignment.user_id).in_(team_ids))
        ).all()
    assert len(assigned) == 6
