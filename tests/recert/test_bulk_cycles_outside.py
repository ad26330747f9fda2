"""Outside test F7/F8: the People table's "Assign modules" starts a new cycle for someone who
finished, exactly as the Assignments page does (one service, app/hr/assignments.py), and both
forms say before applying that a new cycle reopens every assigned module."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import Assignment, RecertCycle, User
from tests.factories import make_user
from tests.hr.bulk_helpers import post_bulk
from tests.recert.conftest import finished, months_ago, period


def test_bulk_assign_to_a_finished_person_starts_a_new_cycle(
    hr_client: TestClient, session: Session
) -> None:
    period(session, "1")
    done = make_user(session, "done@example.com")
    fresh = make_user(session, "fresh@example.com")
    finished(session, done, at=months_ago(2), code="AAAA-BBBB-CCCC")
    due = (utcnow() + timedelta(days=40)).date()
    data = {
        "action": "assign",
        "ids": [done.id, fresh.id],
        "modules": ["first-steps"],
        "due": due.isoformat(),
    }
    response = post_bulk(hr_client, data)
    assert response.status_code == 303, response.text
    assert "cycles=1" in response.headers["location"]
    shown = hr_client.get(response.headers["location"]).text
    assert "1 person who had finished started a new recertification cycle" in shown
    session.expire_all()
    assert session.get(User, done.id).cycle == 2  # type: ignore[union-attr]
    assert session.get(User, fresh.id).cycle == 1  # type: ignore[union-attr]
    started = session.exec(select(RecertCycle)).one()
    assert started.user_id == done.id and started.due_on == due
    # Every assignment of the restarted person is due on the new date (the cycle reopens all).
    theirs = session.exec(select(Assignment).where(Assignment.user_id == done.id)).all()
    assert theirs and {a.due_at.date() for a in theirs} == {due}
    # Applying again does not start a third cycle: they have not finished cycle 2.
    again = post_bulk(hr_client, data)
    assert "cycles=0" in again.headers["location"]
    session.expire_all()
    assert session.get(User, done.id).cycle == 2  # type: ignore[union-attr]


def test_both_assign_forms_say_a_new_cycle_reopens_every_assigned_module(
    hr_client: TestClient,
) -> None:
    for page, hint in (("/hr/people", "bulk-cycle-hint"), ("/hr/assignments", "cycle-hint")):
        html = hr_client.get(page).text
        assert f'id="{hint}"' in html
        text = html.split(f'id="{hint}">')[1].split("</p>")[0]
        assert "every module assigned to them opens again" in text
