"""The learner pages by template and context (Starlette's TestClient exposes both)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.learning.progress import Status
from tests.conftest import csrf_from
from tests.learning.test_learner_journey import mark_read, signed_in, submit


def test_dashboard_context_has_every_module_in_order_and_where_to_resume(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    page = client.get("/")
    assert page.template.name == "learning/dashboard.html"  # type: ignore[attr-defined]
    context = page.context  # type: ignore[attr-defined]
    assert [row.module.id for row in context["rows"]] == ["first-steps", "second-steps"]
    assert [row.status for row in context["rows"]] == [Status.in_progress, Status.not_started]
    assert context["resume"].module.id == "first-steps" and context["resume"].next_step == "quiz"
    assert (context["done"], context["overall"], context["started"]) == (0, 0, True)
    assert context["certificate"] is None  # looked up only once every module is done


def test_lesson_context_has_the_module_its_reflection_and_the_next_module(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    first = client.get("/modules/first-steps")
    assert first.template.name == "learning/lesson.html"  # type: ignore[attr-defined]
    assert first.context["module"].id == "first-steps"  # type: ignore[attr-defined]
    assert first.context["reflection"] is None  # type: ignore[attr-defined]
    assert first.context["next_module"].id == "second-steps"  # type: ignore[attr-defined]
    assert first.context["row"].status is Status.not_started  # type: ignore[attr-defined]
    client.post(
        "/modules/first-steps/reflection",
        data={"csrf_token": csrf_from(first.text), "text": "Credit Ana by name."},
    )
    again = client.get("/modules/first-steps")
    assert again.context["reflection"].text == "Credit Ana by name."  # type: ignore[attr-defined]
    last = client.get("/modules/second-steps")
    assert last.context["next_module"] is None  # type: ignore[attr-defined]


def test_quiz_context_starts_empty_with_a_fresh_submission_id(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    first, second = client.get("/modules/first-steps/quiz"), client.get("/modules/first-steps/quiz")
    assert first.template.name == "learning/quiz.html"  # type: ignore[attr-defined]
    context = first.context  # type: ignore[attr-defined]
    assert context["module"].id == "first-steps"
    assert (context["answers"], context["errors"], context["message"]) == ({}, {}, "")
    assert re.fullmatch(r"[0-9a-f]{32}", context["submission_id"])
    assert context["submission_id"] != second.context["submission_id"]  # type: ignore[attr-defined]


def test_quiz_with_a_missing_answer_names_it_in_the_context(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    response = submit(client, "first-steps", {"standup": "credit"})
    assert response.template.name == "learning/quiz.html"  # type: ignore[attr-defined]
    context = response.context  # type: ignore[attr-defined]
    assert set(context["errors"]) == {"review"} and context["answers"] == {"standup": "credit"}
    assert context["message"].startswith("Some answers need your attention")


def test_result_context_has_the_attempt_its_answers_and_the_history(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    submit(client, "first-steps", {"standup": "silent", "review": "ignore"})
    submitted = submit(client, "first-steps", {"standup": "credit", "review": "joke"})
    result = client.get(submitted.headers["location"])  # type: ignore[attr-defined]
    assert result.template.name == "learning/result.html"  # type: ignore[attr-defined]
    context = result.context  # type: ignore[attr-defined]
    attempt = context["attempt"]
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (3, 4, 75, False)
    assert {k: a.choice_id for k, a in context["answers"].items()} == {
        "standup": "credit",
        "review": "joke",
    }
    assert [a.percent for a in context["history"]] == [75, 0]  # newest first
    assert context["same_version"] is True
    assert context["row"].best_percent == 75 and context["row"].attempts == 2
