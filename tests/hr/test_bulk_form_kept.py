"""The people table's bulk form after a refusal, "all that match" with other people, far dates.

Outside test F11 (a refused action kept nothing), F3 (a different set of people of the
same size was acted on) and F4 (a due date of 31 Dec 9999 was accepted).
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import Assignment, User
from tests.factories import make_department
from tests.hr.bulk_helpers import post_bulk, seen_on
from tests.hr.factories import make_assignment, make_people

SOON = (utcnow() + timedelta(days=30)).date().isoformat()


def _checked(html: str, element_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert tag, f"no #{element_id}"
    return " checked" in tag.group(0)


def _key_on(html: str) -> str:
    found = re.search(r'name="seen_key" value="([^"]*)"', html)
    assert found, "the bulk form carries no key"
    return found.group(1)


def test_refused_deactivate_keeps_the_ticks_and_the_action(
    hr_client: TestClient, session: Session
) -> None:
    a, b, c = make_people(session, 3)
    response = post_bulk(hr_client, {"action": "deactivate", "ids": [a.id, b.id]})
    assert response.status_code == 422 and "to confirm" in response.text
    assert _checked(response.text, f"pick-{a.id}") and _checked(response.text, f"pick-{b.id}")
    assert not _checked(response.text, f"pick-{c.id}")
    assert '<option value="deactivate" selected>' in response.text
    assert '<option value="assign" selected>' not in response.text


def test_refused_assign_keeps_people_modules_and_date_also_for_htmx(
    hr_client: TestClient, session: Session
) -> None:
    (a,) = make_people(session, 1)
    data = {"action": "assign", "ids": [a.id], "modules": ["first-steps"], "due": "2001-01-01"}
    for headers in ({}, {"HX-Request": "true"}):
        response = post_bulk(hr_client, data, **headers)
        assert response.status_code == 422 and "in the past" in response.text
        assert _checked(response.text, f"pick-{a.id}")
        assert _checked(response.text, "bulk-m-first-steps")
        assert not _checked(response.text, "bulk-m-second-steps")
        assert 'id="bulk-due" name="due" type="date" value="2001-01-01"' in response.text
    assert session.exec(select(Assignment)).all() == []


def test_a_date_that_is_not_a_date_keeps_the_rest_of_the_form(
    hr_client: TestClient, session: Session
) -> None:
    (a,) = make_people(session, 1)
    data = {"action": "due", "ids": [a.id], "due": "31/12/2027", "confirm": "yes"}
    response = post_bulk(hr_client, data)
    assert response.status_code == 422 and "YYYY-MM-DD" in response.text
    assert _checked(response.text, f"pick-{a.id}") and _checked(response.text, "bulk-confirm")
    assert '<option value="due" selected>' in response.text


def test_refused_action_comes_back_on_the_page_it_was_sent_from(
    hr_client: TestClient, session: Session
) -> None:
    people = make_people(session, 53)
    last = sorted(people, key=lambda u: u.name)[-1]
    data = {"action": "deactivate", "ids": [last.id], "page": 2}
    response = post_bulk(hr_client, data, page="/hr/people?page=2")
    assert response.status_code == 422
    assert "People, page 2 of 2" in response.text and _checked(response.text, f"pick-{last.id}")


def test_all_matching_refused_when_other_people_of_the_same_number_match(
    hr_client: TestClient, session: Session
) -> None:
    finance, ops = make_department(session, "Finance"), make_department(session, "Operations")
    (shown,) = make_people(session, 1, finance, prefix="f")
    (other,) = make_people(session, 1, ops, prefix="o")
    url = f"/hr/people?department={finance.id}"
    page = hr_client.get(url).text
    seen, key = seen_on(page), _key_on(page)
    shown.department_id, other.department_id = ops.id, finance.id  # one out, one in
    session.add_all([shown, other])
    session.commit()
    data = {"action": "due", "matching": "yes", "seen": seen, "seen_key": key}
    response = post_bulk(hr_client, data | {"department": finance.id, "due": SOON}, page=url)
    assert response.status_code == 409
    assert "not the same people" in response.text and "nothing was changed" in response.text
    assert not _checked(response.text, "matching")  # HR looks at the new list first
    assert _key_on(response.text) != key


def test_all_matching_with_the_key_shown_acts(hr_client: TestClient, session: Session) -> None:
    sales = make_department(session, "Sales")
    crowd = make_people(session, 4, sales, prefix="s")
    for person in crowd:
        make_assignment(session, person, "first-steps")
    url = f"/hr/people?department={sales.id}"
    page = hr_client.get(url).text
    data = {"action": "due", "matching": "yes", "seen": seen_on(page), "seen_key": _key_on(page)}
    response = post_bulk(hr_client, data | {"department": sales.id, "due": SOON}, page=url)
    assert response.status_code == 303 and "changed=4" in response.headers["location"]


def test_due_dates_more_than_two_years_ahead_are_refused_everywhere(
    hr_client: TestClient, session: Session
) -> None:
    (a,) = make_people(session, 1)
    make_assignment(session, a, "first-steps")
    far = "9999-12-31"
    bulk_due = post_bulk(hr_client, {"action": "due", "ids": [a.id], "due": far})
    assert bulk_due.status_code == 422 and "more than two years ahead" in bulk_due.text
    bulk_assign = post_bulk(
        hr_client, {"action": "assign", "ids": [a.id], "modules": ["second-steps"], "due": far}
    )
    assert bulk_assign.status_code == 422 and "more than two years ahead" in bulk_assign.text
    near = (utcnow() + timedelta(days=700)).date().isoformat()
    assert post_bulk(hr_client, {"action": "due", "ids": [a.id], "due": near}).status_code == 303
    dues = {r.due_at.date().isoformat() for r in session.exec(select(Assignment))}
    assert dues == {near}
    assert session.get(User, a.id) is not None
