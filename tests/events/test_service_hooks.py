"""Every way HR makes assignments or leavers records its events (the people table's bulk actions)."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.models import Event
from tests.hr.bulk_helpers import post_bulk
from tests.hr.conftest import signed_in_as
from tests.hr.factories import make_assignment, make_people

SOON = (utcnow() + timedelta(days=30)).date().isoformat()


def _events(session: Session, kind: str) -> list[dict]:  # type: ignore[type-arg]
    rows = session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.seq))).all()
    return [json.loads(e.data) | {"subject": e.subject} for e in rows]


def test_bulk_assign_records_an_event_per_new_assignment_only(
    app: FastAPI, session: Session
) -> None:
    hr = signed_in_as(app, session, "hr", "Hana HR")
    a, b, c = make_people(session, 3)
    make_assignment(session, a, "first-steps")  # already has it: no event
    data = {"action": "assign", "ids": [a.id, b.id, c.id], "modules": ["first-steps"], "due": SOON}
    assert post_bulk(hr, data).status_code == 303
    made = _events(session, "assignment.created")
    assert sorted(e["person"]["email"] for e in made) == sorted([b.email, c.email])
    assert {e["module_id"] for e in made} == {"first-steps"}


def test_bulk_deactivate_records_a_leaver_event_each(app: FastAPI, session: Session) -> None:
    hr = signed_in_as(app, session, "hr", "Hana HR")
    a, b = make_people(session, 2)
    data = {"action": "deactivate", "ids": [a.id, b.id], "confirm": "yes"}
    assert post_bulk(hr, data).status_code == 303
    left = _events(session, "person.deactivated")
    assert sorted(e["subject"] for e in left) == sorted([f"person/{a.id}", f"person/{b.id}"])
