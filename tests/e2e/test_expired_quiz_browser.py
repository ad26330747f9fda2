"""An expired sign-in in Chromium: a finished quiz and a reflection survive it, with and
without JavaScript, and nobody else signing in on that browser gets them."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update
from sqlmodel import col, select

from app.clock import utcnow
from app.db import session_for
from app.models import LoginSession, User
from tests.e2e.conftest import LiveServer, assert_accessible, shot, sign_in
from tests.factories import PASSWORD, make_user

MODULE = "why-allies-matter"
SIGNED_OUT = "You were signed out after 120 minutes without activity. Sign in again and your {} will be waiting."


def learner(server: LiveServer, email: str) -> None:
    with session_for(server.db_url) as session:
        make_user(session, email, name=email.split("@")[0])


def go_idle(server: LiveServer, email: str) -> None:
    """The learner leaves the page open for longer than the idle limit (120 minutes)."""
    with session_for(server.db_url) as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        session.execute(
            update(LoginSession)
            .where(col(LoginSession.user_id) == user_id)
            .values(last_seen_at=utcnow() - timedelta(minutes=121))
        )
        session.commit()


def best_answers(server: LiveServer) -> dict[str, str]:
    quiz = server.catalog.by_id[MODULE].quiz
    return {s.id: s.best_choices[0].id for s in quiz.scenarios}


def pick(page: Page, picks: dict[str, str]) -> None:
    for scenario_id, choice_id in picks.items():
        page.locator(f"#c-{scenario_id}-{choice_id}").check()


def sign_in_again(page: Page, email: str) -> None:
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def finish_quiz_after_expiry(page: Page, server: LiveServer, email: str) -> None:
    picks = best_answers(server)
    page.goto(f"{server.url}/modules/{MODULE}/quiz")
    pick(page, picks)
    go_idle(server, email)
    page.get_by_role("button", name="Submit my answers").click()

    expect(page).to_have_url(re.compile(r"/login\?next=/modules/why-allies-matter/quiz$"))
    expect(page.locator("#signed-out")).to_have_text(SIGNED_OUT.format("answers"))
    sign_in_again(page, email)

    expect(page).to_have_url(f"{server.url}/modules/{MODULE}/quiz")
    # in the page, not the announcer (base.html), which holds only swaps' messages
    notice = page.locator("main").get_by_role("status").first
    expect(notice).to_contain_text("filled in below as you left them")
    for scenario_id, choice_id in picks.items():
        expect(page.locator(f"#c-{scenario_id}-{choice_id}")).to_be_checked()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("#quiz-result")).to_contain_text("You passed")


def save_reflection_after_expiry(page: Page, server: LiveServer, email: str) -> None:
    text = f"Kept through an expired sign-in ({email})."
    page.goto(f"{server.url}/modules/{MODULE}")
    page.get_by_label("Your private reflection").fill(text)
    go_idle(server, email)
    page.get_by_role("button", name="Save reflection").click()

    expect(page).to_have_url(re.compile(r"/login\?next=/modules/why-allies-matter%23reflection$"))
    expect(page.locator("#signed-out")).to_have_text(SIGNED_OUT.format("reflection"))
    sign_in_again(page, email)

    expect(page).to_have_url(f"{server.url}/modules/{MODULE}#reflection")
    expect(page.get_by_label("Your private reflection")).to_have_value(text)
    page.get_by_role("button", name="Save reflection").click()
    expect(page.locator(".save-status")).to_contain_text("Saved")


def test_expired_sign_in_keeps_the_quiz_and_the_reflection_with_javascript(
    page: Page, live_server: LiveServer
) -> None:
    email = "expired-js@example.com"
    learner(live_server, email)
    sign_in(page, live_server, email)
    save_reflection_after_expiry(page, live_server, email)  # an htmx submit
    finish_quiz_after_expiry(page, live_server, email)

    page.goto(f"{live_server.url}/modules/{MODULE}/quiz")
    pick(page, best_answers(live_server))
    go_idle(live_server, email)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("#signed-out")).to_be_visible()
    shot(page, "signed-out-quiz-kept")
    assert_accessible(page, "sign-in page after an expired quiz")


def test_expired_sign_in_keeps_the_quiz_and_the_reflection_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    email = "expired-nojs@example.com"
    learner(live_server, email)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, email)
    save_reflection_after_expiry(page, live_server, email)  # a plain form post
    finish_quiz_after_expiry(page, live_server, email)
    context.close()


def test_someone_else_signing_in_on_that_browser_gets_an_empty_quiz(
    browser: Browser, live_server: LiveServer
) -> None:
    first, second = "expired-first@example.com", "expired-second@example.com"
    learner(live_server, first)
    learner(live_server, second)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, first)
    page.goto(f"{live_server.url}/modules/{MODULE}/quiz")
    pick(page, best_answers(live_server))
    go_idle(live_server, first)
    page.get_by_role("button", name="Submit my answers").click()

    sign_in_again(page, second)
    expect(page).to_have_url(f"{live_server.url}/modules/{MODULE}/quiz")
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.get_by_text("signed out before")).to_have_count(0)
    context.close()
