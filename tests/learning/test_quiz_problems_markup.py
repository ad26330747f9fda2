"""Issue 16 on the learner's pages: an incomplete quiz has one alert, its radios carry the
error, and the summary links to a radio (a fieldset cannot take focus); the certificate's h1
says what the page is, and a learner without one gets a page titled for that (WCAG 1.3.1,
2.4.2, 3.3.1, 4.1.2)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.page_structure import Structure

HIDDEN = re.compile(r'name="(quiz_hash|submission_id|draw_id)" value="([^"]+)"')


def incomplete(client: TestClient, answered: dict[str, str]) -> str:
    page = client.get("/modules/first-steps/quiz").text
    data = {"csrf_token": csrf_from(page), **dict(HIDDEN.findall(page)), **answered}
    response = client.post("/modules/first-steps/quiz", data=data)
    assert response.status_code == 422, response.text[:300]
    return response.text


def radios(page: str, scenario: str) -> list[str]:
    return re.findall(rf'<input type="radio" id="c-{scenario}-[^"]+"[^>]*>', page, re.S)


def test_an_incomplete_quiz_has_one_alert_invalid_radios_and_links_to_a_radio(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    login(client, "ana@example.com")
    page = incomplete(client, {})
    assert page.count('role="alert"') == 1, "one alert: the error summary"
    scenarios = re.findall(r'<fieldset id="scenario-([^"]+)"', page)
    assert scenarios
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    for scenario in scenarios:
        inputs = radios(page, scenario)
        assert inputs and all('aria-invalid="true"' in r for r in inputs), scenario
        first = re.search(r'id="([^"]+)"', inputs[0]).group(1)  # type: ignore[union-attr]
        assert f'href="#{first}"' in summary, scenario
    assert not re.search(r"<fieldset[^>]*aria-invalid", page), "aria-invalid is not for fieldsets"


def test_only_the_unanswered_scenario_is_marked(client: TestClient, session: Session) -> None:
    make_user(session)
    login(client, "ana@example.com")
    page = client.get("/modules/first-steps/quiz").text
    scenarios = re.findall(r'<fieldset id="scenario-([^"]+)"', page)
    letter = re.search(rf'name="answer-{scenarios[0]}" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    page = incomplete(client, {f"answer-{scenarios[0]}": letter})
    assert not any("aria-invalid" in r for r in radios(page, scenarios[0]))
    assert all('aria-invalid="true"' in r for r in radios(page, scenarios[1]))


def test_no_certificate_yet_is_titled_for_what_happened(
    client: TestClient, session: Session
) -> None:
    make_user(session)
    login(client, "ana@example.com")
    response = client.get("/certificate")
    assert response.status_code == 404
    page = Structure(response.text)
    assert page.where == "No certificate yet"
    assert page.h1 == ["No certificate yet"]
    assert "once every module is complete" in response.text
