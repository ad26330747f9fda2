"""Assignments: course or modules to departments or people, default due date, joiners, bulk due dates."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import Assignment, AssignmentRule, AuditEvent, User
from tests.conftest import csrf_from
from tests.factories import make_department, make_user
from tests.hr.factories import make_assignment, make_completion


def post(client: TestClient, url: str, data: dict[str, object]) -> object:
    token = csrf_from(client.get("/hr/assignments").text)
    return client.post(url, data={"csrf_token": token, **data})


def test_assign_course_to_department_uses_default_due_date_and_keeps_a_rule(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    people = [make_user(session, f"s{i}@example.com", department=sales) for i in range(3)]
    make_user(session, "other@example.com")
    response = post(hr_client, "/hr/assignments", {"scope": "course", "departments": [sales.id]})
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = hr_client.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "Assigned to 3 people: 6 new assignments" in page.text
    rows = session.exec(select(Assignment)).all()
    assert {r.user_id for r in rows} == {p.id for p in people}
    expected = (utcnow() + timedelta(days=30)).date()
    assert {r.due_at.date() for r in rows} == {expected}
    assert len(session.exec(select(AssignmentRule)).all()) == 2
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "assignment.create")).one()


def test_assign_chosen_module_to_people_by_email_with_due_date(
    hr_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana@example.com")
    due = (utcnow() + timedelta(days=10)).date()
    response = post(
        hr_client,
        "/hr/assignments",
        {
            "scope": "modules",
            "modules": ["second-steps"],
            "emails": "ANA@example.com",
            "due": due.isoformat(),
        },
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    (row,) = session.exec(select(Assignment)).all()
    assert (row.user_id, row.module_id, row.due_at.date()) == (ana.id, "second-steps", due)
    assert session.exec(select(AssignmentRule)).first() is None


def test_assign_unknown_email_and_no_module_rerender_with_422(
    hr_client: TestClient, session: Session
) -> None:
    response = post(
        hr_client, "/hr/assignments", {"scope": "modules", "emails": "ghost@example.com"}
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "Choose the whole course or at least one module" in text
    assert "ghost@example.com" in text
    assert session.exec(select(Assignment)).first() is None


def test_assign_past_due_date_or_bad_date_refused(hr_client: TestClient, session: Session) -> None:
    make_user(session, "ana@example.com")
    past = post(hr_client, "/hr/assignments", {"emails": "ana@example.com", "due": "2020-01-01"})
    assert past.status_code == 422 and "in the past" in past.text  # type: ignore[attr-defined]
    bad = post(hr_client, "/hr/assignments", {"emails": "ana@example.com", "due": "31/12/2030"})
    assert bad.status_code == 422 and "Due date: enter a date as YYYY-MM-DD." in bad.text  # type: ignore[attr-defined]


def test_assign_again_keeps_existing_due_dates(hr_client: TestClient, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    original = make_assignment(session, ana, "first-steps", due_at=utcnow() + timedelta(days=3))
    response = post(hr_client, "/hr/assignments", {"scope": "course", "emails": "ana@example.com"})
    page = hr_client.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "1 was already assigned; its due date is unchanged." in page.text  # retest R9
    session.refresh(original)
    assert original.due_at.date() == (utcnow() + timedelta(days=3)).date()


def test_bulk_due_date_change_moves_only_open_assignments_in_department(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    ana = make_user(session, "ana@example.com", department=sales)
    bo = make_user(session, "bo@example.com", department=sales)
    cy = make_user(session, "cy@example.com")
    for person in (ana, bo, cy):
        make_assignment(session, person, "first-steps")
    make_completion(session, bo, "first-steps")
    due = (utcnow() + timedelta(days=60)).date()
    response = post(
        hr_client,
        "/hr/assignments/due",
        {"scope": "course", "department": str(sales.id), "due": due.isoformat()},
    )
    assert "moved=1" in response.headers["location"]  # type: ignore[attr-defined]
    dues = {a.user_id: a.due_at.date() for a in session.exec(select(Assignment))}
    assert dues[ana.id] == due and dues[bo.id] != due and dues[cy.id] != due
    assert session.exec(
        select(AuditEvent).where(AuditEvent.action == "assignment.due_change")
    ).one()


def test_rule_removal_stops_joiner_assignment_but_keeps_existing(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    make_user(session, "ana@example.com", department=sales)
    post(
        hr_client,
        "/hr/assignments",
        {"scope": "modules", "modules": ["first-steps"], "departments": [sales.id]},
    )
    rule = session.exec(select(AssignmentRule)).one()
    post(hr_client, f"/hr/assignments/rules/{rule.id}/delete", {})
    assert session.exec(select(AssignmentRule)).first() is None
    assert len(session.exec(select(Assignment)).all()) == 1


def test_joiner_via_api_in_assigned_department_gets_assignment_due_after_joining(
    hr_client: TestClient, session: Session, app: object
) -> None:
    from app.api.keys import create_key

    sales = make_department(session, "Sales")
    post(hr_client, "/hr/assignments", {"scope": "course", "departments": [sales.id]})
    _key, secret = create_key(session, name="sync", scopes=["read", "write"], actor_id=None)
    api = TestClient(app)  # type: ignore[arg-type]
    created = api.put(
        "/api/v1/people/E9",
        json={"email": "joiner@example.com", "name": "Joiner", "department": "sales"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert created.status_code == 201, created.text
    joiner = session.exec(select(User).where(User.email == "joiner@example.com")).one()
    modules = session.exec(
        select(Assignment.module_id).where(col(Assignment.user_id) == joiner.id)
    ).all()
    assert sorted(modules) == ["first-steps", "second-steps"]


def test_assign_with_a_bad_due_date_shows_the_form_again_as_typed(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "ana@example.com")
    sent = {
        "scope": "modules",
        "modules": ["second-steps"],
        "emails": "ana@example.com",
        "due": "next friday",
    }
    response = post(hr_client, "/hr/assignments", sent)
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    message = "Due date: enter a date as YYYY-MM-DD."
    assert f'<li><a href="#due">{message}</a></li>' in text
    assert f'<span class="field-error" id="due-error">{message}</span>' in text
    assert 'value="next friday" aria-invalid="true" aria-describedby="due-error due-hint"' in text
    assert ">ana@example.com</textarea>" in text
    assert 'id="a-m-second-steps" name="modules" value="second-steps" checked' in text
    assert session.exec(select(Assignment)).first() is None


def test_change_due_dates_with_an_unknown_department_shows_that_form_again(
    hr_client: TestClient, session: Session
) -> None:
    response = post(hr_client, "/hr/assignments/due", {"department": "abc", "due": "2030-01-01"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert '<a href="#bulk-department">For: choose from the options shown.</a>' in text
    assert 'id="bulk-due" name="due" type="date" required value="2030-01-01"' in text
