"""Recertification in a real browser: an admin sets the period, HR sees each status on the
overview and filters the people table, then the clock moves and the statuses follow.

Time moves by changing stored dates (completions made earlier), as in tests/recert.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from app.clock import utcnow
from app.config import PROJECT_ROOT
from app.db import session_for
from app.models import Assignment, Completion, User
from app.recert.status import add_months
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import make_department, make_user

SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "recert-statuses.png"
PEOPLE = {  # email: months since the course was completed (None: not done)
    "recert-cur@example.com": 2,
    "recert-soon@example.com": 11,
    "recert-old@example.com": 14,
    "recert-none@example.com": None,
}


def seed(server: LiveServer) -> None:
    with session_for(server.db_url) as session:
        team = make_department(session, "Recert Team")
        make_user(session, "recert-admin@example.com", name="Ada Admin", role="admin")
        now = utcnow()
        for email, months in PEOPLE.items():
            user = make_user(session, email, name=email.split("@")[0].title(), department=team)
            for module in server.catalog.module_ids:
                session.add(
                    Assignment(user_id=user.id or 0, module_id=module, due_at=now, source="e2e")
                )
                if months is not None:
                    done = add_months(now, -months)
                    session.add(
                        Completion(user_id=user.id or 0, module_id=module, completed_at=done)
                    )
        session.commit()


def move_clock(server: LiveServer, months: int) -> None:
    """Every stored completion happened `months` earlier: as if the clock moved forward."""
    with session_for(server.db_url) as session:
        ids = select(User.id).where(User.email.in_(list(PEOPLE)))  # type: ignore[attr-defined]
        for row in session.exec(select(Completion).where(Completion.user_id.in_(ids))):  # type: ignore[attr-defined]
            row.completed_at = add_months(row.completed_at, -months) - timedelta(days=1)
            session.add(row)
        session.commit()


def count(page: Page, key: str) -> str:
    return page.locator(f"#recert-{key} .stat-value").inner_text()


def test_recertification_statuses_follow_the_clock(page: Page, live_server: LiveServer) -> None:
    seed(live_server)
    sign_in(page, live_server, "recert-admin@example.com")
    page.goto(f"{live_server.url}/admin/recertification")
    page.get_by_label("12 months").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#recert-current")).to_contain_text("valid for 12 months")
    assert_accessible(page, "recertification settings")
    page.context.clear_cookies()

    sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server.url}/hr")
    section = page.locator("#recert-overview")
    expect(section).to_contain_text("valid for 12 months")
    before = {k: int(count(page, k)) for k in ("current", "expiring", "expired", "not-done")}
    assert before["expired"] >= 1 and before["expiring"] >= 1 and before["not-done"] >= 1
    assert_accessible(page, "HR dashboard with recertification")

    page.goto(f"{live_server.url}/hr/people?department=")
    page.get_by_label("Recertification").select_option(label="Expiring soon")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Recert-Soon")
    expect(table).not_to_contain_text("Recert-Cur")

    move_clock(live_server, 2)  # two months on: soon has expired, cur is still current
    page.goto(f"{live_server.url}/hr")
    after = {k: int(count(page, k)) for k in ("current", "expiring", "expired", "not-done")}
    assert after["expired"] == before["expired"] + 1
    assert after["expiring"] == before["expiring"] - 1
    page.locator("#recert-overview").screenshot(path=str(SCREENSHOT))
    shot(page, "hr-recert-overview")

    page.goto(f"{live_server.url}/hr/people?recert=expired")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Recert-Soon")
    expect(table).to_contain_text("Recert-Old")
    expect(table).not_to_contain_text("Recert-Cur")
    shot(page, "hr-recert-people")
    assert_accessible(page, "people filtered by recertification")
