"""An attempt asks a stored draw from the pool: the page, scoring, result, retake and HR agree."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.live.facilitator import create_session
from app.models import AttemptAnswer, DrawnScenario, QuizAttempt, QuizDraw
from tests.conftest import FIXTURE_COURSE, csrf_from, login
from tests.factories import make_user
from tests.learning.quiz_pages import answer_fields, draw_id, shown

QUIZ = "/modules/first-steps/quiz"
POOL = 8
DRAW = 3


def pool_quiz() -> str:
    """Eight scenarios over two objectives, three drawn per attempt; ids unique per option."""
    lines = ["module: first-steps", "pass_mark: 80", f"draw: {DRAW}", "scenarios:"]
    for n in range(POOL):
        lines += [
            f"  - id: pool-{n}",
            f"    title: Pool scenario {n}",
            f"    situation: Situation number {n}.",
            f"    objectives: [{1 + n % 2}]",
            "    choices:",
        ]
        for k, points in enumerate((2, 1, 0, 0)):
            lines += [
                f"      - id: p{n}-opt{k}",
                f"        text: Option {k} of scenario {n}.",
                f"        points: {points}",
                f"        feedback: Feedback {k} of {n}, secret-{n}-{k}.",
            ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    (course / "quizzes/00-first-steps.yaml").write_text(pool_quiz(), encoding="utf-8")
    lesson = course / "lessons/00-first-steps.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("objectives:\n", "objectives:\n  - Hand the floor back.\n"))
    return course


def signed_in(client: TestClient, session: Session, email: str = "ana@example.com") -> int:
    user = make_user(session, email)
    assert login(client, email).status_code == 303
    return user.id or 0


def best_picks(app: FastAPI, html: str) -> dict[str, str]:
    quiz = app.state.catalog.get("first-steps").quiz
    return {
        sid: quiz.scenario(sid).best_choices[0].id
        for sid in shown(app.state.catalog, "first-steps", html)
    }


def form(client: TestClient, app: FastAPI, html: str, picks: dict[str, str]) -> dict[str, str]:
    hidden = dict(re.findall(r'name="(quiz_hash|submission_id|draw_id)" value="([^"]+)"', html))
    fields = answer_fields(app.state.catalog, "first-steps", html, picks)
    return {"csrf_token": csrf_from(html), **hidden, **fields}


def test_quiz_page_asks_only_the_stored_draw_lettered_without_the_key(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    html = client.get(QUIZ).text
    asked = shown(app.state.catalog, "first-steps", html)
    assert len(asked) == DRAW and all(list(v) == ["A", "B", "C", "D"] for v in asked.values())
    assert "secret-" not in html and "points" not in html.lower()
    assert 'value="p' not in html  # choice ids stay off the page; letters are posted
    rows = session.exec(
        select(DrawnScenario)
        .where(DrawnScenario.draw_id == int(draw_id(html)))
        .order_by(col(DrawnScenario.position))
    ).all()
    assert [r.scenario_id for r in rows] == list(asked)
    assert [r.choice_order.split(",") for r in rows] == [list(v.values()) for v in asked.values()]
    assert client.get(QUIZ).text.count("Pool scenario") == DRAW
    assert draw_id(client.get(QUIZ).text) == draw_id(html)  # a reload asks the same paper


def test_draw_covers_both_objectives(client: TestClient, session: Session, app: FastAPI) -> None:
    signed_in(client, session)
    asked = shown(app.state.catalog, "first-steps", client.get(QUIZ).text)
    assert {int(sid.split("-")[1]) % 2 for sid in asked} == {0, 1}


def test_scoring_counts_only_the_drawn_scenarios(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    html = client.get(QUIZ).text
    response = client.post(QUIZ, data=form(client, app, html, best_picks(app, html)))
    assert response.status_code == 303
    attempt = session.exec(select(QuizAttempt)).one()
    assert (attempt.score, attempt.max_score, attempt.passed) == (2 * DRAW, 2 * DRAW, True)
    assert attempt.draw_id == int(draw_id(html))
    result = client.get(response.headers["location"]).text
    for n, sid in enumerate(shown(app.state.catalog, "first-steps", html)):
        title = f"{n + 1}. Pool scenario {sid.split('-')[1]}"
        assert title in result
    assert result.count('class="card feedback"') == DRAW
    assert "That is the strongest choice here." in result


def test_scenario_or_option_not_drawn_is_refused(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    html = client.get(QUIZ).text
    picks = best_picks(app, html)
    other = next(f"pool-{n}" for n in range(POOL) if f"pool-{n}" not in picks)
    data = form(client, app, html, picks) | {f"answer-{other}": "A"}
    refused = client.post(QUIZ, data=data)
    assert refused.status_code == 422
    assert "not part of this attempt" in refused.text
    # The refusal names no scenario of the pool that this attempt did not ask.
    assert f"Pool scenario {other[5:]}" not in refused.text
    assert "a scenario this attempt did not ask" in refused.text
    first = next(iter(picks))
    bad_letter = form(client, app, html, picks) | {f"answer-{first}": "E"}
    assert "not one of this scenario" in client.post(QUIZ, data=bad_letter).text
    foreign = form(client, app, html, picks) | {f"answer-{first}": f"{other[5:]}-opt0"}
    assert client.post(QUIZ, data=foreign).status_code == 422
    assert session.exec(select(QuizAttempt)).first() is None


def test_another_learners_draw_is_refused(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    html = client.get(QUIZ).text
    bo = TestClient(app, follow_redirects=False)
    signed_in(bo, session, "bo@example.com")
    bo_html = bo.get(QUIZ).text
    data = form(bo, app, bo_html, best_picks(app, bo_html)) | {"draw_id": draw_id(html)}
    refused = bo.post(QUIZ, data=data)
    assert refused.status_code == 404 and "does not exist" in refused.text
    assert session.exec(select(QuizAttempt)).first() is None


def test_retake_asks_unseen_scenarios_and_replaying_the_key_scores_no_better_than_chance(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    first = client.get(QUIZ).text
    key = best_picks(app, first)
    assert client.post(QUIZ, data=form(client, app, first, key)).status_code == 303
    second = client.get(QUIZ).text
    assert draw_id(second) != draw_id(first)
    asked = shown(app.state.catalog, "first-steps", second)
    assert not set(asked) & set(key)  # unseen first: nothing of attempt 1 comes back
    quiz = app.state.catalog.get("first-steps").quiz
    key_texts = {quiz.scenario(s).choice(c).text for s, c in key.items()}
    key_ids = set(key.values())
    replay, expected = {}, 0.0
    for sid, letters in asked.items():
        scenario = quiz.scenario(sid)
        known = [
            c for c in letters.values() if c in key_ids or scenario.choice(c).text in key_texts
        ]
        # The replay picks a known best option where one is shown, else guesses evenly.
        picks = known or list(letters.values())
        expected += sum(scenario.choice(c).points for c in picks) / len(picks)
        replay[sid] = picks[0]
    chance = sum(sum(c.points for c in quiz.scenario(s).choices) / 4 for s in asked)
    assert expected <= chance
    assert client.post(QUIZ, data=form(client, app, second, replay)).status_code == 303
    attempts = session.exec(select(QuizAttempt).order_by(col(QuizAttempt.id))).all()
    guessed = sum(quiz.scenario(s).choice(c).points for s, c in replay.items())
    assert len(attempts) == 2 and attempts[1].score == guessed


def test_two_submissions_of_one_draw_at_once_store_one_attempt(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    signed_in(client, session)
    html = client.get(QUIZ).text
    picks = best_picks(app, html)
    forms = [form(client, app, html, picks) | {"submission_id": f"tab-{n}"} for n in range(2)]
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda data: client.post(QUIZ, data=data), forms))
    assert [r.status_code for r in responses] == [303, 303]
    assert responses[0].headers["location"] == responses[1].headers["location"]
    assert len(session.exec(select(QuizAttempt)).all()) == 1
    assert len(session.exec(select(AttemptAnswer)).all()) == DRAW


def test_hr_person_page_lists_the_scenarios_each_attempt_asked(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    user_id = signed_in(client, session)
    html = client.get(QUIZ).text
    client.post(QUIZ, data=form(client, app, html, best_picks(app, html)))
    hr = TestClient(app, follow_redirects=False)
    make_user(session, "hr@example.com", role="hr")
    assert login(hr, "hr@example.com").status_code == 303
    page = hr.get(f"/hr/people/{user_id}").text
    titles = [
        f"Pool scenario {sid.split('-')[1]}"
        for sid in shown(app.state.catalog, "first-steps", html)
    ]
    assert "; ".join(titles) in page


def test_attempt_from_before_draws_shows_what_it_asked(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    user_id = signed_in(client, session)
    quiz = app.state.catalog.get("first-steps").quiz
    attempt = QuizAttempt(
        user_id=user_id,
        module_id="first-steps",
        submission_id="old",
        quiz_hash=quiz.content_hash,
        score=2,
        max_score=4,
        percent=50,
        pass_mark=80,
        passed=False,
    )
    session.add(attempt)
    session.commit()
    for sid, cid, points in (("pool-5", "p5-opt0", 2), ("pool-2", "p2-opt3", 0)):
        session.add(
            AttemptAnswer(attempt_id=attempt.id or 0, scenario_id=sid, choice_id=cid, points=points)
        )
    session.commit()
    page = client.get(f"/modules/first-steps/attempts/{attempt.id}").text
    assert page.count('class="card feedback"') == 2
    assert page.index("Pool scenario 2") < page.index("Pool scenario 5")  # file order
    assert "You chose D: Option 3 of scenario 2." in page
    # Its scenarios count as seen: the next draw asks others first.
    asked = shown(app.state.catalog, "first-steps", client.get(QUIZ).text)
    assert not {"pool-2", "pool-5"} & set(asked)
    assert session.exec(select(QuizDraw)).one().user_id == user_id


def test_a_live_session_chooses_from_the_whole_pool(session: Session, app: FastAPI) -> None:
    facilitator = make_user(session, "fay@example.com", role="facilitator")
    everything = [f"pool-{n}" for n in range(POOL)]
    with Session(app.state.engine) as transactional:  # the service nests a savepoint
        live = create_session(
            transactional,
            app.state.catalog,
            facilitator=facilitator,
            module_id="first-steps",
            scenario_ids=everything,
        )
        assert live.scenario_list == everything  # more than one attempt's draw of DRAW
