"""Outside test F14: every count in the assignment confirmation agrees in number ("1 was",
"1 new assignment", "1 person"), on the Assignments page and after a bulk action."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.hr.assign_text import assigned_message
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.hr.bulk_helpers import post_bulk
from tests.hr.factories import make_assignment

DUE = date(2027, 1, 15)


@pytest.mark.parametrize(
    ("numbers", "said"),
    [
        ((1, 1, 0, 0, 0), "Assigned to 1 person: 1 new assignment due 15 Jan 2027. 0 were already"),
        ((2, 0, 1, 0, 1), "Assigned 1 module to 2 people: 0 new assignments due 15 Jan 2027. "
         "1 was already assigned; its due date is unchanged."),
        ((1, 0, 1, 1, 2), "1 was already assigned: its due date is unchanged for people still "
         "working on them. 1 person who had finished started"),
        ((3, 2, 2, 2, 1), "2 were already assigned: their due dates are unchanged for people "
         "still working on them. 2 people who had finished"),
    ],
)  # fmt: skip
def test_the_confirmation_agrees_in_number(
    numbers: tuple[int, int, int, int, int], said: str
) -> None:
    people, created, unchanged, cycles, modules = numbers
    text = assigned_message(
        people_count=people, created=created, unchanged=unchanged, cycles=cycles, due=DUE,
        modules=modules,
    )  # fmt: skip
    assert said in text
    assert "1 were" not in text and "1 new assignments" not in text and "(s)" not in text


def test_the_assignments_page_says_1_was_and_1_new_assignment(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    make_assignment(session, ana, "first-steps")
    page = hr_client.get("/hr/assignments")
    data = {"csrf_token": csrf_from(page.text), "scope": "course", "emails": "ana@example.com"}
    response = hr_client.post("/hr/assignments", data=data)
    shown = hr_client.get(response.headers["location"]).text
    assert "Assigned to 1 person: 1 new assignment due" in shown
    assert "1 was already assigned; its due date is unchanged." in shown
    assert "1 were" not in shown


def test_a_bulk_assignment_of_one_module_to_one_person_says_so(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    data = {"action": "assign", "ids": [ana.id], "modules": ["first-steps"]}
    response = post_bulk(hr_client, data)
    shown = hr_client.get(response.headers["location"]).text
    assert "Assigned 1 module to 1 person: 1 new assignment due" in shown
