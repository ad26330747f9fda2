"""Taking a refresher round: when it opens, what the page shows, scoring once, bad input."""

from __future__ import annotations

import html
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.db import write_session
from app.errors import Conflict
from app.models import RefresherAnswer, User, row_id
from app.refreshers import service
from tests.conftest import PROJECT_ROOT, csrf_from, login
from tests.factories import make_user
from tests.refreshers.helpers import MODULE, pass_module

PAGE = f"/refreshers/{MODULE}/1"


@pytest.fixture
def content_dir() -> Path:
    return PROJECT_ROOT


def signed_in(
    app: FastAPI, session: Session, email: str = "ana@example.com", **kw: object
) -> TestClient:
    make_user(session, email, **kw)  # type: ignore[arg-type]
    client = TestClient(app, follow_redirects=False)
    assert login(client, email).status_code == 303
    return client


def answer(client: TestClient, url: str = PAGE, letter: str = "A", **extra: str) -> object:
    page = client.get(url)
    scenario = (
        page.text.split('name="scenario" value="')[1].split('"')[0]
        if 'name="scenario"' in page.text
        else ""
    )
    data = {"csrf_token": csrf_from(page.text), "scenario": scenario, "answer": letter, **extra}
    return client.post(url, data=data)


def stored(session: Session) -> list[RefresherAnswer]:
    return list(session.exec(select(RefresherAnswer)).all())


def test_refresher_before_passing_the_module_is_refused_politely(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session)
    response = client.get(PAGE)
    assert response.status_code == 409
    assert "after you pass a module" in response.text


def test_round_opens_on_its_day_and_not_before(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session)
    user = session.exec(select(User)).one()
    pass_module(session, row_id(user), days_ago=1)
    assert client.get(PAGE).status_code == 409
    pass_module(session, row_id(user), days_ago=3)  # an earlier completion: the first one counts
    assert client.get(PAGE).status_code == 200
    later = client.get(f"/refreshers/{MODULE}/2")
    assert later.status_code == 409 and "opens on" in later.text


def test_page_shows_the_scenario_without_its_answer_key(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session)
    user_id = row_id(session.exec(select(User)).one())
    pass_module(session, user_id, days_ago=3)
    page = client.get(PAGE)
    assert page.status_code == 200
    pick = service.next_refresher(session, app.state.catalog, user_id, MODULE, 1)
    assert pick is not None
    text = html.unescape(page.text)
    assert pick.scenario.title in text and pick.scenario.situation.strip() in text
    form = text.split('class="quiz"')[1].split("</form>")[0]
    for choice in pick.scenario.choices:
        assert choice.text in form
        assert choice.feedback.strip() not in text
        assert f'value="{choice.id}"' not in form
    assert "points" not in form.lower()


def test_answer_is_scored_on_the_server_with_feedback_on_every_choice(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session)
    user_id = row_id(session.exec(select(User)).one())
    pass_module(session, user_id, days_ago=3)
    pick = service.next_refresher(session, app.state.catalog, user_id, MODULE, 1)
    assert pick is not None
    response = answer(client, letter="B")
    assert response.status_code == 200
    chosen = pick.scenario.choice(pick.choice_order[1])
    assert chosen is not None
    [row] = stored(session)
    assert (row.round, row.scenario_id, row.choice_id, row.points) == (
        1,
        pick.scenario.id,
        chosen.id,
        chosen.points,
    )
    assert row.max_points == 2 and row.content_hash == app.state.catalog.get(MODULE).content_hash
    for choice in pick.scenario.choices:
        assert choice.feedback.split()[0] in response.text
    assert f"{chosen.points} of 2 points" in response.text


def test_a_second_submission_of_a_round_is_refused_and_changes_nothing(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session)
    pass_module(session, row_id(session.exec(select(User)).one()), days_ago=3)
    assert answer(client, letter="A").status_code == 200
    [first] = stored(session)
    page = client.get(PAGE)
    again = client.post(
        PAGE,
        data={"csrf_token": csrf_from(page.text), "scenario": first.scenario_id, "answer": "D"},
    )
    assert again.status_code == 409 and "already answered" in again.text
    [still] = stored(session)
    assert (still.choice_id, still.points, still.answered_at) == (
        first.choice_id,
        first.points,
        first.answered_at,
    )


def test_the_next_round_never_repeats_an_answered_scenario(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session)
    user_id = row_id(session.exec(select(User)).one())
    pass_module(session, user_id, days_ago=30)
    seen = []
    for round in (1, 2, 3):
        assert answer(client, f"/refreshers/{MODULE}/{round}").status_code == 200
        seen.append(stored(session)[-1].scenario_id)
    assert len(set(seen)) == 3
    assert service.next_refresher(session, app.state.catalog, user_id, MODULE, 3) is None


def test_a_guessed_scenario_is_refused_and_nothing_is_stored(
    app: FastAPI, session: Session
) -> None:
    client = signed_in(app, session)
    user_id = row_id(session.exec(select(User)).one())
    pass_module(session, user_id, days_ago=3)
    pick = service.next_refresher(session, app.state.catalog, user_id, MODULE, 1)
    assert pick is not None
    other = next(
        s.id for s in app.state.catalog.get(MODULE).quiz.refreshers if s.id != pick.scenario.id
    )
    page = client.get(PAGE)
    response = client.post(
        PAGE, data={"csrf_token": csrf_from(page.text), "scenario": other, "answer": "A"}
    )
    assert response.status_code == 409 and "changed" in response.text
    assert stored(session) == []


@pytest.mark.parametrize(
    ("letter", "status"),
    [("", 422), ("E", 422), ("Z", 422), ("é", 422), ("\x00", 422), ("A" * 5000, 422)],
)
def test_odd_or_huge_answers_get_a_clear_message_never_a_500(
    app: FastAPI, session: Session, letter: str, status: int
) -> None:
    client = signed_in(app, session)
    pass_module(session, row_id(session.exec(select(User)).one()), days_ago=3)
    response = answer(client, letter=letter)
    assert response.status_code == status
    assert "answer" in response.text.lower() or "check" in response.text.lower()
    assert stored(session) == []


@pytest.mark.parametrize(
    "path",
    [
        f"/refreshers/{MODULE}/0",
        f"/refreshers/{MODULE}/4",
        f"/refreshers/{MODULE}/99999999999",
        "/refreshers/no-such-module/1",
        f"/refreshers/{MODULE}/x",
    ],
)
def test_guessed_rounds_and_modules_are_not_found(
    app: FastAPI, session: Session, path: str
) -> None:
    client = signed_in(app, session)
    pass_module(session, row_id(session.exec(select(User)).one()), days_ago=30)
    assert client.get(path).status_code == 404


def test_another_role_sees_only_its_own_round_never_a_learners_answer(
    app: FastAPI, session: Session
) -> None:
    learner = signed_in(app, session)
    pass_module(session, row_id(session.exec(select(User)).one()), days_ago=3)
    assert answer(learner).status_code == 200
    [row] = stored(session)
    scenario = app.state.catalog.get(MODULE).quiz.refresher(row.scenario_id)
    for role in ("hr", "admin", "facilitator"):
        other = signed_in(app, session, f"{role}@example.com", role=role)
        response = other.get(PAGE)
        assert response.status_code == 409
        assert scenario.choices[0].feedback not in response.text


def test_two_submissions_at_once_store_one_answer(app: FastAPI, session: Session) -> None:
    user = make_user(session)
    pass_module(session, row_id(user), days_ago=3)
    catalog = app.state.catalog
    pick = service.next_refresher(session, catalog, row_id(user), MODULE, 1)
    assert pick is not None
    results: list[str] = []
    start = threading.Barrier(4)

    def submit(choice_id: str) -> None:
        with write_session(app.state.engine) as own:
            start.wait()
            try:
                service.submit_refresher(
                    own,
                    catalog,
                    user_id=row_id(user),
                    module_id=MODULE,
                    round=1,
                    scenario_id=pick.scenario.id,
                    choice_id=choice_id,
                )
                results.append("saved")
            except Conflict:
                results.append("refused")

    threads = [threading.Thread(target=submit, args=(c,)) for c in pick.choice_order]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * (len(threads) - 1) + ["saved"]
    assert len(stored(session)) == 1


def test_waiting_refreshers_follow_the_days_and_the_answers(app: FastAPI, session: Session) -> None:
    user = make_user(session)
    uid = row_id(user)
    engine = app.state.engine
    assert service.waiting_refreshers(engine, app.state.catalog, uid) == []
    pass_module(session, uid, days_ago=1)
    assert service.waiting_refreshers(engine, app.state.catalog, uid) == []
    now = utcnow() + timedelta(days=2)
    [card] = service.waiting_refreshers(engine, app.state.catalog, uid, now=now)
    assert card.href == PAGE and card.module_title == app.state.catalog.get(MODULE).title
    pick = service.next_refresher(session, app.state.catalog, uid, MODULE, 1)
    assert pick is not None
    service.submit_refresher(
        session,
        app.state.catalog,
        user_id=uid,
        module_id=MODULE,
        round=1,
        scenario_id=pick.scenario.id,
        choice_id=pick.choice_order[0],
        now=now,
    )
    assert service.waiting_refreshers(engine, app.state.catalog, uid, now=now) == []
    [card] = service.waiting_refreshers(engine, app.state.catalog, uid, now=now + timedelta(days=5))
    assert card.href == f"/refreshers/{MODULE}/2"
    assert service.rounds_done(session, [uid, uid + 1]) == {(uid, MODULE, 1)}
