"""The people table's "assign to all that match" and recertification cycles: finished people
start a new cycle there too, and a bulk assign racing the reminder run's (or the assignments
page's) cycle start makes one cycle per person, no duplicate assignment, no stage sent twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import write_session
from app.hr import assignments, bulk, reminders
from app.hr.people import PeopleFilter, people_select
from app.models import Assignment, RecertCycle, RecertReminder, User
from tests.concurrency import at_once
from tests.factories import make_user
from tests.hr.bulk_helpers import post_bulk, seen_on
from tests.recert.conftest import ALL, finished, months_ago, period

SOON = utcnow().date() + timedelta(days=21)


def test_assigning_all_that_match_starts_a_cycle_for_those_who_finished(
    hr_client: TestClient, session: Session
) -> None:
    period(session, "12")
    ana = make_user(session, "ana@example.com")
    finished(session, ana, at=months_ago(13))  # expired
    ben = make_user(session, "ben@example.com")  # never assigned
    url = "/hr/people?recert=expired"
    seen = seen_on(hr_client.get(url).text)
    assert seen == 1
    data = {"action": "assign", "matching": "yes", "seen": seen, "recert": "expired"}
    response = post_bulk(hr_client, data | {"modules": ALL, "due": SOON.isoformat()}, page=url)
    assert response.status_code == 303 and "cycles=1" in response.headers["location"]
    shown = hr_client.get(response.headers["location"]).text
    assert "1 person who had finished started a new recertification cycle" in shown
    # Retest R9: the reopened modules' due dates did change, so the message must not deny it.
    assert "already assigned; their due dates are unchanged." not in shown
    assert "their due dates are unchanged for people still working on them." in shown
    session.expire_all()
    assert session.get(User, ana.id).cycle == 2  # type: ignore[union-attr]
    assert session.get(User, ben.id).cycle == 1  # type: ignore[union-attr]
    due = {a.due_at.date() for a in session.exec(select(Assignment))}
    assert due == {SOON}
    [started] = session.exec(select(RecertCycle)).all()
    assert (started.user_id, started.number, started.due_on) == (ana.id, 2, SOON)


def _reminder_run(app: FastAPI) -> Callable[[Session], object]:
    def run(s: Session) -> object:
        catalog: Catalog = app.state.catalog
        return reminders.queue_due(s, app.state.settings, catalog, actor_id=None)

    return run


def _assign_page(app: FastAPI) -> Callable[[Session], object]:
    def run(s: Session) -> object:
        emails = [u.email for u in s.exec(select(User).where(col(User.email).startswith("f")))]
        return assignments.assign(
            s,
            app.state.catalog,
            actor_id=None,
            module_ids=ALL,
            department_ids=[],
            emails=emails,
            due=None,
            default_due_days=14,
        )

    return run


@pytest.mark.parametrize("other", [_reminder_run, _assign_page], ids=["reminders", "assign-page"])
def test_bulk_assign_racing_a_cycle_start_makes_one_cycle_and_no_duplicates(
    app: FastAPI, session: Session, other: Callable[[FastAPI], Callable[[Session], object]]
) -> None:
    period(session, "12")
    hr = make_user(session, "hr@example.com", role="hr")
    done = [make_user(session, f"f{i}@example.com") for i in range(3)]
    for person in done:
        finished(session, person, at=months_ago(11))  # expiring: the reminder run starts a cycle
    for i in range(3):
        make_user(session, f"n{i}@example.com")  # nothing assigned yet
    wanted = PeopleFilter()
    seen = len(session.exec(people_select(wanted, now=utcnow(), months=12)).all())
    selection = bulk.Selection(filters=wanted, seen=seen)

    def bulk_assign() -> object:
        with write_session(app.state.engine) as s:
            actor = s.get(User, hr.id)
            assert actor is not None
            return bulk.assign(
                s,
                app.state.catalog,
                actor=actor,
                selection=selection,
                module_ids=ALL,
                due=SOON,
                default_due_days=30,
            )

    def start_cycles() -> object:
        with write_session(app.state.engine) as s:
            return other(app)(s)

    at_once(bulk_assign, start_cycles)
    session.expire_all()
    assert [session.get(User, p.id).cycle for p in done] == [2, 2, 2]  # type: ignore[union-attr]
    cycles = session.exec(select(RecertCycle.user_id, RecertCycle.number)).all()
    assert sorted(cycles) == sorted((p.id, 2) for p in done)  # one new cycle each, none lost
    pairs = session.exec(select(Assignment.user_id, Assignment.module_id)).all()
    assert len(pairs) == len(set(pairs)) == seen * len(ALL)  # everyone has each module once
    claims = session.exec(select(RecertReminder.period)).all()
    assert set(claims) <= {"c2"}  # a stage is claimed for the cycle the person is in now
    tomorrow = utcnow() + timedelta(days=1)
    report = reminders.queue_due(
        session, app.state.settings, app.state.catalog, actor_id=None, now=tomorrow
    )
    recert = [q for q in report.queued if q[1].startswith("recert")]
    if other is _reminder_run:
        assert len(claims) == 3 and recert == []  # each stage sent once, not again next day
    else:
        assert len(recert) == 3
        assert set(session.exec(select(RecertReminder.period)).all()) == {"c2"}
