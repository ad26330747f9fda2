"""The learner journey in a real browser: with JavaScript, without it, and by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    no_horizontal_scroll,
    option,
    shot,
    shown_scenarios,
    sign_in,
)

MODULE = "why-allies-matter"


def worst_and_best(server: LiveServer) -> tuple[dict[str, str], dict[str, str]]:
    quiz = server.catalog.by_id[MODULE].quiz
    worst = {s.id: min(s.choices, key=lambda c: c.points).id for s in quiz.scenarios}
    best = {s.id: s.best_choices[0].id for s in quiz.scenarios}
    return worst, best


def answer(page: Page, server: LiveServer, picks: dict[str, str]) -> None:
    for scenario_id in shown_scenarios(page):
        option(page, server, MODULE, scenario_id, picks[scenario_id]).check()
    page.get_by_role("button", name="Submit my answers").click()


def test_learner_fails_reads_feedback_retakes_passes_and_progress_moves(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "learner@example.com")
    expect(page.get_by_text("0% of the course complete")).to_be_visible()
    shot(page, "learner-dashboard")
    assert_accessible(page, "dashboard")

    page.get_by_role("link", name=re.compile("Start the course: Why allies matter")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why allies matter")
    page.get_by_label("Your private reflection").fill("I skipped a one-to-one last month.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.locator(".save-status")).to_contain_text("Saved")  # swapped in by htmx, announced
    shot(page, "lesson")
    assert_accessible(page, "lesson")
    page.get_by_role("button", name="Mark as read and go to the quiz").click()

    worst, best = worst_and_best(live_server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scenario quiz")
    shot(page, "quiz")
    assert_accessible(page, "quiz before submit")
    answer(page, live_server, worst)
    expect(page.locator("#quiz-result")).to_contain_text("Not yet")
    expect(page.get_by_text("The strongest choice (").first).to_be_visible()
    shot(page, "quiz-result-fail")
    assert_accessible(page, "quiz after submit")

    page.get_by_role("link", name="Retake the quiz").click()
    answer(page, live_server, best)
    expect(page.locator("#quiz-result")).to_contain_text("You passed")
    expect(page.locator("#quiz-result")).to_contain_text("This module is complete")
    expect(page.get_by_role("table")).to_contain_text("Not yet")  # both attempts listed
    shot(page, "quiz-result-pass")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My course").click()
    expect(page.get_by_text("10% of the course complete")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Continue where you left off"))).to_be_visible()


def test_learner_journey_works_with_javascript_disabled(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "nojs@example.com")
    page.goto(f"{live_server.url}/modules/{MODULE}")
    page.get_by_label("Your private reflection").fill("Written without JavaScript.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_label("Your private reflection")).to_have_value(
        "Written without JavaScript."
    )
    page.get_by_role("button", name="Mark as read and go to the quiz").click()
    _, best = worst_and_best(live_server)
    answer(page, live_server, best)
    expect(page.locator("#quiz-result")).to_contain_text("You passed")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("10% of the course complete")).to_be_visible()
    context.close()


def test_quiz_can_be_completed_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "keys@example.com")
    page.goto(f"{live_server.url}/modules/{MODULE}/quiz")
    _, best = worst_and_best(live_server)
    quiz = live_server.catalog.by_id[MODULE].quiz
    page.locator("#main").focus()
    for scenario_id in shown_scenarios(page):
        # Tab reaches the scenario's radio group; arrow keys move within it (and select).
        scenario = quiz.scenario(scenario_id)
        assert scenario is not None
        labels = page.locator(f"#scenario-{scenario_id} label").all_inner_texts()
        best_text = scenario.choice(best[scenario_id]).text  # type: ignore[union-attr]
        target = next(n for n, label in enumerate(labels) if best_text in label)
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.name") != f"answer-{scenario_id}":
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        for _ in range(target):
            page.keyboard.press("ArrowDown")
        focused = page.evaluate("document.activeElement.labels[0].textContent")
        assert best_text in " ".join(focused.split())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Submit my answers"
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-result")).to_contain_text("You passed")


@pytest.mark.parametrize("path", ["/", f"/modules/{MODULE}", f"/modules/{MODULE}/quiz"])
def test_learner_pages_fit_a_small_phone(
    browser: Browser, live_server: LiveServer, path: str
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, live_server, "learner@example.com")
    page.goto(f"{live_server.url}{path}")
    assert no_horizontal_scroll(page), f"{path} scrolls sideways at 375px"
    if path.endswith("/quiz"):
        shot(page, "quiz-phone")
    context.close()


def test_sign_in_page_is_accessible(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    shot(page, "login")
    assert_accessible(page, "login")
