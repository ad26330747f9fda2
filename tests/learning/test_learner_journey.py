"""Dashboard, lesson, reflection privacy, quiz scoring, retakes, completion and certificates."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AttemptAnswer, Certificate, Completion, QuizAttempt
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.page_structure import Structure


def quiz_form(client: TestClient, module: str) -> dict[str, str]:
    page = client.get(f"/modules/{module}/quiz")
    assert page.status_code == 200
    return {
        "csrf_token": csrf_from(page.text),
        "quiz_hash": re.search(r'name="quiz_hash" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
        "submission_id": re.search(r'name="submission_id" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
    }


def submit(client: TestClient, module: str, answers: dict[str, str]) -> object:
    data = quiz_form(client, module) | {f"answer-{k}": v for k, v in answers.items()}
    return client.post(f"/modules/{module}/quiz", data=data)


def mark_read(client: TestClient, module: str) -> None:
    token = csrf_from(client.get(f"/modules/{module}").text)
    assert client.post(f"/modules/{module}/read", data={"csrf_token": token}).status_code == 303


def signed_in(client: TestClient, session: Session, email: str = "ana@example.com") -> None:
    make_user(session, email)
    assert login(client, email).status_code == 303


def test_dashboard_lists_modules_in_order_with_status(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.index("First steps") < page.text.index("Second steps")
    assert "Not started" in page.text
    assert "0%" in page.text
    assert 'href="/modules/first-steps"' in page.text  # continue where you left off


def test_lesson_page_shows_objectives_sources_and_reflection_box(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    page = client.get("/modules/first-steps")
    assert page.status_code == 200
    assert "Notice when a colleague" in page.text
    assert "Test source, 2024" in page.text
    assert 'name="text"' in page.text
    assert 'href="/modules/second-steps"' in page.text  # module: link rewritten


def test_mark_read_moves_module_to_in_progress(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    assert "In progress" in client.get("/").text


def test_reflection_is_saved_and_private_to_its_author(
    client: TestClient, session: Session, app
) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session)
    token = csrf_from(client.get("/modules/first-steps").text)
    saved = client.post(
        "/modules/first-steps/reflection", data={"csrf_token": token, "text": "My secret note"}
    )
    assert saved.status_code == 303
    assert "My secret note" in client.get("/modules/first-steps").text
    other = TestClient(app, follow_redirects=False)
    make_user(session, "bo@example.com", name="Bo")
    login(other, "bo@example.com")
    assert "My secret note" not in other.get("/modules/first-steps").text


def test_reflection_via_htmx_returns_fragment(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    token = csrf_from(client.get("/modules/first-steps").text)
    response = client.post(
        "/modules/first-steps/reflection",
        data={"text": "Note"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="reflection"')
    assert response.headers["vary"] == "HX-Request"


def test_quiz_page_does_not_reveal_answer_key(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    page = client.get("/modules/first-steps/quiz").text
    assert "You credit her in the moment" not in page  # feedback
    assert "points" not in page.lower().replace("points to", "")


def test_quiz_scores_partial_credit_and_shows_feedback(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    response = submit(client, "first-steps", {"standup": "credit", "review": "joke"})
    assert response.status_code == 303
    result = client.get(response.headers["location"])
    assert "3 of 4 points (75%)" in result.text
    assert "Not yet" in result.text
    assert "It eases tension" in result.text  # feedback on the chosen option
    assert "Kai gets the floor back" in result.text  # why the best option is best
    attempt = session.exec(select(QuizAttempt)).one()
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (3, 4, 75, False)
    assert len(session.exec(select(AttemptAnswer)).all()) == 2


def test_retake_keeps_history_and_best_attempt_counts(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    submit(client, "first-steps", {"standup": "silent", "review": "ignore"})
    attempts = session.exec(select(QuizAttempt)).all()
    assert sorted(a.percent for a in attempts) == [0, 100]
    dashboard = client.get("/").text
    assert "Best score 100%" in dashboard


def test_module_completes_only_when_read_and_passed(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    assert session.exec(select(Completion)).first() is None
    mark_read(client, "first-steps")
    completion = session.exec(select(Completion)).one()
    assert completion.module_id == "first-steps"
    assert "Passed" in client.get("/").text


def test_certificate_after_every_module_and_public_verify_page(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    assert client.get("/certificate").status_code == 404
    mark_read(client, "first-steps")
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    mark_read(client, "second-steps")
    submit(client, "second-steps", {"quiet-colleague": "wait"})  # 50% passes this quiz
    cert = session.exec(select(Certificate)).one()
    page = client.get("/certificate")
    assert page.status_code == 200 and "Ana Example" in page.text and cert.code in page.text
    shown = Structure(page.text)  # the name stands out, but the h1 says what the page is
    assert shown.h1 == ["Certificate of completion"] and shown.where == "Certificate of completion"
    assert 'class="certificate-name">Ana Example<' in page.text
    public = TestClient(client.app).get(f"/verify/{cert.code}")
    assert public.status_code == 200
    assert "Ana Example" in public.text and "ana@example.com" not in public.text
    assert TestClient(client.app).get("/verify/NOPE-NOPE-NOPE").status_code == 404


def test_unknown_choice_id_is_refused_with_message(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    response = submit(client, "first-steps", {"standup": "made-up", "review": "finish"})
    assert response.status_code == 422
    assert "not one of this scenario&#39;s choices" in response.text
    assert session.exec(select(QuizAttempt)).first() is None


def test_missing_answers_are_listed_and_nothing_stored(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    response = submit(client, "first-steps", {"standup": "credit"})
    assert response.status_code == 422
    assert "Choose one answer" in response.text
    assert response.context["answers"] == {"standup": "credit"}  # type: ignore[attr-defined]
    # Options are shuffled per attempt: find the letter "credit" is shown under.
    checked = re.findall(r'id="c-(\w+)-([A-D])"[^>]*\schecked\b', response.text)
    assert len(checked) == 1  # the answer given, no other
    scenario_id, letter = checked[0]
    context = response.context  # type: ignore[attr-defined]
    shown = {s.scenario.id: s for s in context["paper"].shown(context["module"].quiz)}
    assert scenario_id == "standup"
    assert shown["standup"].letter_of("credit") == letter
    assert session.exec(select(QuizAttempt)).first() is None


def test_choice_from_another_scenario_is_refused(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    response = submit(client, "first-steps", {"standup": "finish", "review": "finish"})
    assert response.status_code == 422
    assert session.exec(select(QuizAttempt)).first() is None


def test_unknown_module_is_404(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.get("/modules/no-such-module/quiz").status_code == 404


def test_double_submit_stores_one_attempt(client: TestClient, session: Session) -> None:
    signed_in(client, session)
    data = quiz_form(client, "first-steps") | {
        "answer-standup": "credit",
        "answer-review": "finish",
    }
    first = client.post("/modules/first-steps/quiz", data=data)
    second = client.post("/modules/first-steps/quiz", data=data)
    assert first.headers["location"] == second.headers["location"]
    assert len(session.exec(select(QuizAttempt)).all()) == 1


def test_quiz_edited_between_load_and_submit_gets_clear_message(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    data = quiz_form(client, "first-steps") | {
        "answer-standup": "credit",
        "answer-review": "finish",
    }
    data["quiz_hash"] = "0" * 64  # the page was rendered from an older version of the quiz
    response = client.post("/modules/first-steps/quiz", data=data)
    assert response.status_code == 409
    assert "updated while you were answering" in response.text
    assert session.exec(select(QuizAttempt)).first() is None


def test_attempt_stores_quiz_content_hash(client: TestClient, session: Session, app) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session)
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    attempt = session.exec(select(QuizAttempt)).one()
    assert attempt.quiz_hash == app.state.catalog.get("first-steps").quiz.content_hash


def test_another_learners_attempt_is_404(client: TestClient, session: Session, app) -> None:  # type: ignore[no-untyped-def]
    signed_in(client, session)
    location = submit(client, "first-steps", {"standup": "credit", "review": "finish"}).headers[
        "location"
    ]
    other = TestClient(app, follow_redirects=False)
    make_user(session, "bo@example.com", name="Bo")
    login(other, "bo@example.com")
    assert other.get(location).status_code == 404


def test_lesson_page_ids_are_unique_so_the_reflection_box_is_the_swap_target(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session)
    page = client.get("/modules/first-steps")
    ids = re.findall(r'\sid="([^"]+)"', page.text)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert ids.count("reflection") == 1
