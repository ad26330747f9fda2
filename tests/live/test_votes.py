"""Voting: change while open, refused (nothing stored) otherwise, no vote lost or doubled."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.db import write_session
from app.live import participant
from app.models import LiveVote
from tests.conftest import csrf_from
from tests.live.conftest import (
    TO_REVEAL_1,
    TO_VOTE_1,
    Live,
    join,
    page_token,
    vote,
)

HX = {"HX-Request": "true"}


def votes(session: Session) -> list[tuple[str, str]]:
    return [(v.scenario_id, v.choice_id) for v in session.exec(select(LiveVote)).all()]


def test_vote_is_stored_and_may_be_changed_while_open(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "standup", "silent").status_code == 303
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    assert votes(session) == [("standup", "credit")]


def test_vote_via_htmx_answers_with_the_room_fragment(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    token = csrf_from(phone.get(f"/j/{live.code}").text)
    response = phone.post(
        f"/j/{live.code}/vote",
        data={"scenario_id": "standup", "choice": "private"},
        headers=HX | {"X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="room"')
    assert 'value="private" class="vote-button is-mine"' in response.text


@pytest.mark.parametrize("presses", [0, 1, TO_REVEAL_1, TO_REVEAL_1 + 1])
def test_vote_when_voting_is_not_open_is_refused_and_nothing_stored(
    app: FastAPI, live: Live, session: Session, presses: int
) -> None:
    phone = join(app, live.code)
    live.go(presses)
    refused = vote(phone, live.code, "standup", "credit")
    assert refused.status_code == 409
    assert "not open" in refused.text
    assert votes(session) == []


def test_vote_for_another_scenario_than_the_open_one_is_refused(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "review", "finish").status_code == 409
    assert votes(session) == []


@pytest.mark.parametrize("choice", ["made-up", "", "finish", "<script>x</script>"])
def test_vote_for_a_choice_that_does_not_exist_is_refused(
    app: FastAPI, live: Live, session: Session, choice: str
) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    refused = vote(phone, live.code, "standup", choice)
    assert refused.status_code == 422
    assert "not one of this scenario" in refused.text
    assert "<script>x" not in refused.text
    assert votes(session) == []


def test_vote_without_joining_is_refused(app: FastAPI, live: Live, session: Session) -> None:
    stranger = TestClient(app, follow_redirects=False)
    live.go(TO_VOTE_1)
    token = page_token(stranger.get(f"/j/{live.code}").text)
    response = stranger.post(
        f"/j/{live.code}/vote",
        data={"csrf_token": token, "scenario_id": "standup", "choice": "credit"},
    )
    assert response.status_code == 404
    assert votes(session) == []


def test_vote_without_csrf_token_is_refused(app: FastAPI, live: Live, session: Session) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    response = phone.post(
        f"/j/{live.code}/vote", data={"scenario_id": "standup", "choice": "credit"}
    )
    assert response.status_code == 403
    assert votes(session) == []


def _in_threads(work: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(work))

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # collected and asserted in the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _cast(app: FastAPI, code: str, token: str, choice: str) -> Callable[[], None]:
    def job() -> None:
        with write_session(app.state.engine) as s:
            participant.cast_vote(
                s,
                app.state.catalog,
                code=code,
                token=token,
                scenario_id="standup",
                choice_id=choice,
                address="10.0.0.1",
                user=None,
            )

    return job


def _participants(app: FastAPI, code: str, n: int) -> list[str]:
    tokens = []
    with write_session(app.state.engine) as s:
        for i in range(n):
            tokens.append(
                participant.join(
                    s,
                    code=code,
                    token=None,
                    user=None,
                    record_attendance=False,
                    address=f"10.0.0.{i}",
                )
            )
    return tokens


def test_concurrent_votes_are_neither_lost_nor_doubled(
    app: FastAPI, live: Live, session: Session
) -> None:
    tokens = _participants(app, live.code, 30)
    live.go(TO_VOTE_1)
    rng = random.Random(5)
    final = {t: rng.choice(["credit", "private", "silent"]) for t in tokens}
    first = [_cast(app, live.code, t, rng.choice(["credit", "private", "silent"])) for t in tokens]
    assert _in_threads(first) == []
    assert _in_threads([_cast(app, live.code, t, final[t]) for t in tokens]) == []
    stored = session.exec(select(LiveVote)).all()
    assert len(stored) == 30
    expected: dict[str, int] = {}
    for choice in final.values():
        expected[choice] = expected.get(choice, 0) + 1
    counted = dict(
        session.exec(select(LiveVote.choice_id, func.count()).group_by(LiveVote.choice_id)).all()
    )
    assert counted == expected


def test_one_participant_voting_from_many_threads_keeps_one_row(
    app: FastAPI, live: Live, session: Session
) -> None:
    (token,) = _participants(app, live.code, 1)
    live.go(TO_VOTE_1)
    choices = ["credit", "private", "silent"] * 6
    assert _in_threads([_cast(app, live.code, token, c) for c in choices]) == []
    (only,) = session.exec(select(LiveVote)).all()
    assert only.choice_id in {"credit", "private", "silent"}
