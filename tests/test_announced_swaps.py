"""Swaps the user caused on non-live pages carry a message for the one announcer and a
focus target (WCAG 4.1.3, 2.4.3); full page loads carry none; errors are tied to fields."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.web.announce import HEADER
from tests.conftest import csrf_from, login
from tests.factories import make_department, make_user

HTMX = {"HX-Request": "true"}


def announced(response: object) -> dict[str, str]:
    raw = response.headers.get(HEADER)  # type: ignore[attr-defined]
    assert raw, "the swap carries an announcement"
    return json.loads(raw)["announce"]


def hr_with_people(app: FastAPI, session: Session, count: int) -> TestClient:
    logistics = make_department(session, "Logistics")
    for n in range(count):
        make_user(session, f"p{n:02}@example.com", name=f"Person {n:02}", department=logistics)
    make_user(session, "hr@example.com", name="Hana HR", role="hr")
    client = TestClient(app, follow_redirects=False)
    assert login(client, "hr@example.com").status_code == 303  # type: ignore[attr-defined]
    return client


def test_reflection_saved_is_announced_and_focus_returns_to_the_button(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    login(client, "ana@example.com")
    token = csrf_from(client.get("/modules/first-steps").text)
    url = "/modules/first-steps/reflection"
    saved = client.post(url, data={"text": "Noted.", "csrf_token": token}, headers=HTMX)
    assert saved.status_code == 200
    assert announced(saved) == {
        "message": "Reflection saved",
        "focus": "#reflection button[type=submit]",
    }
    plain = client.post(url, data={"text": "Again.", "csrf_token": token})
    assert plain.status_code == 303 and HEADER not in plain.headers


def test_people_filter_and_paging_are_announced_with_count_and_page(
    app: FastAPI, session: Session
) -> None:
    hr = hr_with_people(app, session, 53)
    first = hr.get("/hr/people?department=&sort=name", headers=HTMX)
    message = announced(first)
    assert message == {"message": "54 people match, page 1 of 2"}  # focus stays on the filter
    paged = hr.get("/hr/people?page=2", headers=HTMX | {"HX-Trigger": "people-next"})
    assert announced(paged) == {
        "message": "54 people match, page 2 of 2",
        "focus": "#people-table caption",
    }
    assert "<caption>People, page 2 of 2</caption>" in paged.text
    one = hr.get("/hr/people?q=Person+07", headers=HTMX)
    assert announced(one)["message"] == "1 person matches, page 1 of 1"
    none = hr.get("/hr/people?q=nobody-at-all", headers=HTMX)
    assert announced(none)["message"] == "No one matches these filters"
    assert HEADER not in hr.get("/hr/people").headers  # a full page is not announced


def test_scenarios_filter_is_announced(app: FastAPI, session: Session) -> None:
    hr = hr_with_people(app, session, 1)
    everyone = announced(hr.get("/hr/scenarios", headers=HTMX))["message"]
    assert everyone.startswith("Hardest scenarios for everyone: ")
    page = hr.get("/hr/scenarios").text
    dept = page.split('<option value="', 2)[2].split('"')[0]
    one = announced(hr.get(f"/hr/scenarios?department={dept}", headers=HTMX))["message"]
    assert one.startswith("Hardest scenarios for Logistics: ")


def test_wrong_current_password_is_tied_to_its_field(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    token = csrf_from(client.get("/account").text)
    data = {"csrf_token": token, "current_password": "not-it"}
    data |= {"new_password": "a much longer pass phrase", "confirm_password": "different"}
    page = client.post("/account/password", data=data)
    assert page.status_code == 422
    assert '<span class="field-error" id="current_password-error">' in page.text
    assert 'aria-invalid="true" aria-describedby="current_password-error"' in page.text
    assert 'href="#current_password"' in page.text  # the summary links to the field
    data["current_password"] = "correct-horse-battery"
    page = client.post("/account/password", data=data)
    assert 'aria-invalid="true" aria-describedby="confirm_password-error"' in page.text


def test_an_unknown_join_code_is_tied_to_the_code_field(client: TestClient) -> None:
    page = client.get("/j?code=OOO")
    assert page.status_code == 404
    assert 'id="code-error"' in page.text
    assert 'aria-describedby="code-error code-hint" aria-invalid="true"' in page.text
    fresh = client.get("/j").text
    assert 'aria-describedby="code-hint"' in fresh and "aria-invalid" not in fresh


def test_quiz_choices_are_described_by_their_question(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    page = client.get("/modules/first-steps/quiz").text
    assert '<fieldset id="scenario-standup"' in page
    assert 'aria-describedby="question-standup"' in page
    assert 'class="question" id="question-standup"' in page


def test_help_page_is_open_to_everyone_and_linked_from_every_page(client: TestClient) -> None:
    page = client.get("/help")
    assert page.status_code == 200
    assert "<h1>Help</h1>" in page.text and "Screen readers" in page.text
    assert "JavaScript turned off" in page.text and "120 minutes" in page.text
    assert 'class="help-link" href="/help" aria-current="page"' in page.text
    assert 'class="help-link" href="/help" >' in client.get("/login").text
