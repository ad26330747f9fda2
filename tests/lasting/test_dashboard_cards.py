"""Point 5: the learner's dashboard shows a due check-in as a card with a link; the result page offers a plan."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.conftest import csrf_from
from tests.lasting.helpers import MODULE, make_due, write_plan
from tests.security.people_helpers import signed_in


def test_a_due_check_in_shows_as_a_card_and_not_before(app: FastAPI, session: Session) -> None:
    client = signed_in(app, session, "ana@example.com")
    write_plan(client)
    page = client.get("/").text
    assert "Check in on your commitment" not in page and 'href="/commitments"' in page
    make_due(session, session.exec(select(User)).one())
    page = client.get("/").text
    assert "Check in on your commitment" in page
    assert f'href="/modules/{MODULE}/commitment#check-in"' in page


def test_another_persons_due_check_in_is_not_on_my_dashboard(
    app: FastAPI, session: Session
) -> None:
    ana = signed_in(app, session, "ana@example.com")
    write_plan(ana)
    make_due(session, session.exec(select(User).where(User.email == "ana@example.com")).one())
    ben = signed_in(app, session, "ben@example.com")
    assert "Check in on your commitment" not in ben.get("/").text


def _result_page(client: TestClient, answers: dict[str, str]) -> str:
    quiz = client.get(f"/modules/{MODULE}/quiz").text
    fields = dict(re.findall(r'name="(quiz_hash|submission_id|draw_id)" value="([^"]*)"', quiz))
    data = {**fields, **answers, "csrf_token": csrf_from(quiz)}
    result = client.post(f"/modules/{MODULE}/quiz", data=data)
    assert result.status_code == 303
    return client.get(result.headers["location"]).text


def test_a_passed_quiz_result_offers_a_plan_and_a_failed_one_does_not(
    app: FastAPI, session: Session
) -> None:
    passing = _result_page(
        signed_in(app, session, "ana@example.com"),
        {"answer-standup": "credit", "answer-review": "finish"},
    )
    assert "You passed." in passing and 'id="commitment-offer"' in passing
    assert 'action="/modules/first-steps/commitment"' in passing
    failing = _result_page(
        signed_in(app, session, "ben@example.com"),
        {"answer-standup": "silent", "answer-review": "ignore"},
    )
    assert "You passed." not in failing and 'id="commitment-offer"' not in failing
