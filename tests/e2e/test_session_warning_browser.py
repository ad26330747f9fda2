"""The sign-in time-out warning in Chromium (WCAG 2.2.1), on a server whose idle timeout is
3 minutes: it opens at least two minutes ahead and takes focus; "Stay signed in" keeps the
sign-in and what was typed, without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import update
from sqlmodel import col, select

from app.clock import utcnow
from app.db import session_for
from app.db.migrate import upgrade
from app.models import LoginSession, User
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import make_user
from tests.servers import start_server, stop_server

IDLE_MINUTES = 3
MODULE = "why-allies-matter"


@pytest.fixture(scope="module")
def short_idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('idle') / 'idle.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        for who in ("stay", "late"):
            make_user(session, f"{who}@example.com", name=f"{who.title()} Learner")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALLYSHIP_SESSION_IDLE_MINUTES", str(IDLE_MINUTES))
        proc, url = start_server(db_url)
    yield LiveServer(url=url, db_url=db_url, catalog=None)  # type: ignore[arg-type]
    stop_server(proc)


def last_seen(server: LiveServer, email: str, *, set_to: datetime | None = None) -> datetime:
    """The sign-in's last activity; with `set_to`, move it there first."""
    with session_for(server.db_url) as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        if set_to is not None:
            session.execute(
                update(LoginSession)
                .where(col(LoginSession.user_id) == user_id)
                .values(last_seen_at=set_to)
            )
            session.commit()
        return session.exec(
            select(LoginSession.last_seen_at).where(LoginSession.user_id == user_id)
        ).one()


def warned_while_typing(
    page: Page, server: LiveServer, email: str, text: str
) -> tuple[Locator, Locator]:
    """Type `text` in a lesson opened 25 s after the last activity (2 min 35 s left) until
    the warning shows, 5 s later; returns (reflection box, warning dialog)."""
    sign_in(page, server, email)
    last_seen(server, email, set_to=utcnow() - timedelta(seconds=25))
    page.goto(f"{server.url}/modules/{MODULE}")
    box = page.get_by_label("Your private reflection")
    box.fill(text)
    dialog = page.get_by_role("dialog", name="Your sign-in is about to end")
    expect(dialog).to_be_visible(timeout=20_000)
    return box, dialog


def test_the_warning_comes_two_minutes_ahead_and_stay_signed_in_keeps_text_and_session(
    page: Page, short_idle_server: LiveServer
) -> None:
    server, email = short_idle_server, "stay@example.com"
    box, dialog = warned_while_typing(page, server, email, "Half a thought about the stand-up")
    ends = last_seen(server, email) + timedelta(minutes=IDLE_MINUTES)
    assert ends - utcnow() >= timedelta(minutes=2), "warned at least two minutes ahead"
    expect(dialog).to_contain_text("You will be signed out at")
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()

    before = page.evaluate("performance.getEntriesByType('navigation').length")
    page.keyboard.press("Enter")  # on the focused button, as a keyboard user would
    expect(dialog).to_be_hidden()
    expect(page.locator("#announcer")).to_contain_text("You are still signed in")
    expect(box).to_be_focused()  # back where the person was typing
    expect(box).to_have_value("Half a thought about the stand-up")
    assert utcnow() - last_seen(server, email) < timedelta(seconds=10)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == before
    page.evaluate("window.sessionStillHere = true")

    box.press_sequentially(", finished.")
    expect(box).to_have_value("Half a thought about the stand-up, finished.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.locator("#announcer")).to_have_text("Reflection saved")
    expect(box).to_have_value("Half a thought about the stand-up, finished.")
    assert page.evaluate("window.sessionStillHere") is True  # never reloaded
    expect(dialog).to_be_hidden()


def test_stay_signed_in_after_the_sign_in_ended_says_so_and_keeps_the_text(
    page: Page, short_idle_server: LiveServer
) -> None:
    server, email = short_idle_server, "late@example.com"
    box, dialog = warned_while_typing(page, server, email, "Typed before the end")
    last_seen(server, email, set_to=utcnow() - timedelta(minutes=IDLE_MINUTES + 1))
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_contain_text("Your sign-in has already ended")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    dialog.get_by_role("button", name="Close").click()
    expect(box).to_have_value("Typed before the end")
