"""Module HTML rendered once: lesson text at start-up, dashboard cards per distinct card."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from app.learning.module_html import ModuleHtml
from app.learning.progress import ModuleProgress
from app.org.settings_store import OrgSettings
from tests.learning.test_learner_journey import signed_in


def _row(module, **facts) -> ModuleProgress:  # type: ignore[no-untyped-def]
    values = {
        "read_at": None,
        "best_percent": None,
        "attempts": 0,
        "completed_at": None,
        "due_at": None,
    }
    return ModuleProgress(module=module, **(values | facts))


def test_lesson_text_comes_in_two_pieces_around_the_reflection_box(app: FastAPI) -> None:
    html = ModuleHtml(app.state.catalog)
    module = app.state.catalog.modules[0]
    before, after = html.lesson(module.id, OrgSettings())
    assert module.title in before and "By the end you will be able to" in before
    assert 'id="section-reflection-heading"' in before and "Sources" in after
    assert "csrf" not in before + after  # nothing of a learner or a request in it


def test_lesson_page_puts_the_learners_reflection_box_inside_the_reflection_section(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    page = client.get("/modules/first-steps").text
    section = page.index('id="section-reflection-heading"')
    box = page.index('<div id="reflection"')
    sources = page.index('id="sources-heading"')
    assert section < box < sources


def test_learners_with_the_same_facts_share_one_rendered_card(app: FastAPI) -> None:
    html = ModuleHtml(app.state.catalog)
    module = app.state.catalog.modules[0]
    due = utcnow() + timedelta(days=3)
    first = html.card(_row(module, due_at=due, read_at=utcnow()))
    second = html.card(_row(module, due_at=due.replace(hour=(due.hour + 1) % 24), attempts=1))
    assert first is second  # same status, same due day: rendered once
    assert "In progress" in first and f"Due {due.day} " in first


def test_cards_differ_when_what_they_show_differs(app: FastAPI) -> None:
    html = ModuleHtml(app.state.catalog)
    module = app.state.catalog.modules[0]
    overdue = html.card(_row(module, due_at=utcnow() - timedelta(days=2)))
    done = html.card(_row(module, completed_at=utcnow(), best_percent=100, attempts=1))
    fresh = html.card(_row(module))
    assert "Overdue: was due" in overdue and 'class="overdue"' in overdue
    assert "Completed" in done and "Best score 100%" in done and "Passed" in done
    assert "Not started" in fresh and "Due" not in fresh
