"""Recertification in a real browser: an admin sets the period, HR sees each status on the
overview and filters the people table, then the clock moves and the statuses follow; and each
reminder stage goes out once, from HR's reminders page, through the server's own mail sender.

Time moves by changing stored dates (completions made earlier), as in tests/recert.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.clock import utcnow
from app.config import PROJECT_ROOT
from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from app.models import Assignment, Completion, User
from app.recert.status import add_months
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import make_department, make_user
from tests.hr.conftest import Inbox
from tests.servers import free_port, start_server, stop_server

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


def move_clock(server: LiveServer, months: int, people: Iterable[str] = PEOPLE) -> None:
    """Every stored completion of `people` happened `months` earlier: the clock moved forward."""
    with session_for(server.db_url) as session:
        ids = select(User.id).where(User.email.in_(list(people)))  # type: ignore[attr-defined]
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


REMINDED = {"rem-soon@example.com": 11, "rem-cur@example.com": 2}  # months since completing


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[tuple[LiveServer, Inbox]]:
    """A server of its own whose mail sender delivers to an SMTP server on loopback."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    db_url = f"sqlite:///{tmp_path / 'recert-mail.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        make_user(session, "hr@example.com", name="Hana HR", role="hr")
    smtp = {"ALLYSHIP_SMTP_HOST": "127.0.0.1", "ALLYSHIP_SMTP_PORT": str(controller.port)}
    proc, url = start_server(db_url, env=smtp | {"ALLYSHIP_OUTBOX_POLL_SECONDS": "0.2"})
    try:
        yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(PROJECT_ROOT)), inbox
    finally:
        stop_server(proc)
        controller.stop()


def subjects(inbox: Inbox, address: str) -> list[str]:
    mine = [m for m in inbox.messages if address in m.rcpt_tos]
    return [str(message_from_bytes(m.content, policy=policy.default)["Subject"]) for m in mine]


def send_from_reminders_page(page: Page, server: LiveServer, inbox: Inbox, queued: int) -> None:
    """HR presses "Send today's reminders now"; wait until the server's sender delivered them."""
    page.goto(f"{server.url}/hr/reminders")
    before = len(inbox.messages)
    page.get_by_role("button", name="Send today's reminders now").click()
    s = "" if queued == 1 else "s"
    expect(page.locator("main")).to_contain_text(f"Queued {queued} reminder email{s}")
    for _ in range(300):  # the sender polls every 0.2 s; wait for it, never for a set time
        if len(inbox.messages) >= before + queued:
            break
        time.sleep(0.1)
    assert len(inbox.messages) == before + queued


def expect_recert_rows(page: Page, server: LiveServer, rows: list[str]) -> None:
    """HR's reminders page lists these recertification reminders (day left out), newest first.

    The sender records "sent" just after the SMTP server accepts: reload until it has.
    """
    table = page.get_by_role("region", name="Recertification reminders (last 30 days)")
    for _ in range(50):
        page.goto(f"{server.url}/hr/reminders")
        shown = [" ".join(t.split()[3:]) for t in table.locator("tbody tr").all_inner_texts()]
        if shown == rows:
            break
    assert shown == rows


def test_each_recertification_reminder_goes_once_as_the_dates_move(
    page: Page, mail_server: tuple[LiveServer, Inbox]
) -> None:
    server, inbox = mail_server
    with session_for(server.db_url) as session:
        make_user(session, "rem-admin@example.com", name="Ada Admin", role="admin")
        now = utcnow()
        for email, months in REMINDED.items():
            user = make_user(session, email, name=email.split("@")[0].title())
            for module in server.catalog.module_ids:
                session.add(
                    Assignment(user_id=user.id or 0, module_id=module, due_at=now, source="e2e")
                )
                done = add_months(now, -months)
                session.add(Completion(user_id=user.id or 0, module_id=module, completed_at=done))
        session.commit()
    sign_in(page, server, "rem-admin@example.com")
    page.goto(f"{server.url}/admin/recertification")
    page.get_by_label("12 months").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#recert-current")).to_contain_text("valid for 12 months")
    page.context.clear_cookies()

    sign_in(page, server, "hr@example.com")
    send_from_reminders_page(page, server, inbox, 1)  # expiring soon: the next cycle opens
    soon = subjects(inbox, "rem-soon@example.com")
    assert len(soon) == 1 and soon[0].startswith("Time for your Allies in Practice refresher")
    assert subjects(inbox, "rem-cur@example.com") == []
    expect_recert_rows(page, server, ["Rem-Soon rem-soon@example.com expiring soon cycle 2 sent"])
    expect(page.locator("#mail-today")).to_contain_text("Reminder emails queued today: 1 sent")
    shot(page, "hr-recert-reminders")
    assert_accessible(page, "reminders page after recertification reminders")
    send_from_reminders_page(page, server, inbox, 0)  # the same day again: nothing twice

    move_clock(server, 1, REMINDED)  # a month and a day on: Soon's completion expired yesterday
    page.goto(f"{server.url}/hr")
    expect(page.locator("#recert-expired .stat-value")).to_have_text("1")
    send_from_reminders_page(page, server, inbox, 1)  # expired: the new cycle's modules are due
    soon = subjects(inbox, "rem-soon@example.com")
    assert len(soon) == 2 and soon[1].startswith("Your Allies in Practice refresher is open")
    send_from_reminders_page(page, server, inbox, 0)
    assert subjects(inbox, "rem-cur@example.com") == []
    expect_recert_rows(
        page,
        server,
        [
            "Rem-Soon rem-soon@example.com expired, new cycle cycle 2 sent",
            "Rem-Soon rem-soon@example.com expiring soon cycle 2 sent",
        ],
    )
    expect(page.locator("#mail-today")).to_contain_text("Reminder emails queued today: 2 sent")
