"""Once the pool is used up, the next attempt waits: recognition of shown keys cannot pass it.

The pool here has 8 scenarios and each attempt draws 3, so attempts 1-3 ask scenarios the
learner has not seen (or, for the third, one seen one), and a fourth would ask only seen ones.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.config import Settings
from app.content.schema import Choice, Quiz, Scenario
from app.learning.retakes import mostly_repeats
from app.models import QuizAttempt, QuizDraw
from tests.conftest import csrf_from
from tests.learning.test_quiz_draws import QUIZ, best_picks, content_dir, form, signed_in

__all__ = ["content_dir"]  # the eight-scenario pool, drawing three
WAIT_HOURS = 24
WAIT_NOTE = "Your next attempt opens on"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"retake_wait_hours": WAIT_HOURS})


def take(client: TestClient, app: FastAPI) -> str:
    """Open the quiz, answer every drawn scenario with its strongest option; the result page."""
    page = client.get(QUIZ)
    assert page.status_code == 200 and WAIT_NOTE not in page.text
    sent = client.post(QUIZ, data=form(client, app, page.text, best_picks(app, page.text)))
    assert sent.status_code == 303
    return client.get(sent.headers["location"]).text


def age_attempts(session: Session, hours: float) -> None:
    """Move every stored attempt `hours` into the past, as if that time had gone by."""
    for attempt in session.exec(select(QuizAttempt)).all():
        attempt.submitted_at = attempt.submitted_at - timedelta(hours=hours)
        session.add(attempt)
    session.commit()


def test_a_draw_of_mostly_seen_scenarios_waits_and_both_pages_say_until_when(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    for _ in range(2):
        result = take(client, app)
        assert "Retake the quiz" in result and WAIT_NOTE not in result
    third = take(client, app)  # two unseen scenarios left, one seen: still opens at once
    assert "Retake the quiz" not in third and "your next attempt opens on" in third
    draws_before = len(session.exec(select(QuizDraw)).all())
    held = client.get(QUIZ)
    assert held.status_code == 200 and WAIT_NOTE in held.text
    assert 'name="answer-' not in held.text and "secret-" not in held.text
    latest = session.exec(select(QuizAttempt).order_by(col(QuizAttempt.id).desc())).first()
    assert latest is not None and f"/attempts/{latest.id}" in held.text
    opens = latest.submitted_at + timedelta(hours=WAIT_HOURS)
    assert opens.strftime("%-d %b %Y, %H:%M UTC") in held.text
    assert len(session.exec(select(QuizDraw)).all()) == draws_before  # nothing drawn


def test_recognising_shown_keys_cannot_pass_straight_after_the_pool_is_used_up(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    """The outside tester's attack: collect every key from result pages, then retake at once."""
    signed_in(client, session)
    for _ in range(3):
        take(client, app)
    seen = {a.draw_id for a in session.exec(select(QuizAttempt)).all()}
    assert len(seen) == 3
    csrf_page = client.get("/").text
    bare = client.post(QUIZ, data={"csrf_token": csrf_from(csrf_page), "quiz_hash": "x"})
    assert bare.status_code == 409 and WAIT_NOTE in bare.text and "data-local" in bare.text
    assert len(session.exec(select(QuizAttempt)).all()) == 3


def test_the_next_attempt_opens_once_the_wait_has_passed(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    for _ in range(3):
        take(client, app)
    age_attempts(session, WAIT_HOURS - 1)
    assert WAIT_NOTE in client.get(QUIZ).text
    age_attempts(session, 1.01)
    page = client.get(QUIZ)
    assert WAIT_NOTE not in page.text and 'name="draw_id"' in page.text


def test_a_paper_drawn_before_the_wait_can_still_be_answered(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    """A second tab opened before the third attempt was sent: its draw is answered, not lost."""
    signed_in(client, session)
    for _ in range(2):
        take(client, app)
    page = client.get(QUIZ).text
    picks = best_picks(app, page)
    assert client.post(QUIZ, data=form(client, app, page, picks)).status_code == 303
    again = client.post(QUIZ, data=form(client, app, page, picks) | {"submission_id": "tab-2"})
    assert again.status_code == 303  # the same draw: its stored attempt, not a wait page
    assert len(session.exec(select(QuizAttempt)).all()) == 3


def test_another_learner_is_not_held_back_by_someone_elses_attempts(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    for _ in range(3):
        take(client, app)
    client.cookies.clear()
    signed_in(client, session, "bo@example.com")
    assert WAIT_NOTE not in client.get(QUIZ).text


def scenario(n: int) -> Scenario:
    choices = [Choice(id=f"s{n}c{k}", text=f"t{k}", points=2 - k, feedback="f") for k in range(3)]
    return Scenario(id=f"s{n}", title=f"S{n}", situation="x", objectives=[1], choices=choices)


@pytest.mark.parametrize(
    ("pool", "draw", "seen", "waits"),
    [
        (11, 6, 0, False),
        (11, 6, 6, False),  # five unseen: one repeat of six
        (11, 6, 9, True),  # two unseen: four repeats
        (12, 6, 9, False),  # three unseen, three repeats: not more than half
        (12, 6, 10, True),
        (2, 6, 2, True),  # a pool no bigger than the draw repeats whole
        (2, 6, 1, False),
    ],
)
def test_mostly_repeats_means_more_than_half_of_the_next_draw(
    pool: int, draw: int, seen: int, waits: bool
) -> None:
    quiz = Quiz("m", 80, tuple(scenario(n) for n in range(pool)), None, "h", "q.yaml", draw)
    assert mostly_repeats(quiz, {f"s{n}": 1 for n in range(seen)}) is waits
