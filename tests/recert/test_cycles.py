"""New cycles: assigning a finished person again reopens the course, keeps every earlier row,
makes the learner pass again, issues a new certificate while the old one still verifies; two
HR users at once start one cycle; a learner cannot start one."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import write_session
from app.hr import assignments
from app.models import (
    Assignment,
    Certificate,
    Completion,
    LessonProgress,
    QuizAttempt,
    RecertCycle,
    User,
)
from tests.concurrency import at_once
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.learning.test_learner_journey import mark_read, submit
from tests.recert.conftest import ALL, months_ago, period


def finish_course(client: TestClient) -> None:
    mark_read(client, "first-steps")
    submit(client, "first-steps", {"standup": "credit", "review": "finish"})
    mark_read(client, "second-steps")
    submit(client, "second-steps", {"quiet-colleague": "wait"})


def assign_again(hr: TestClient, email: str, due: str) -> str:
    page = hr.get("/hr/assignments")
    data = {"csrf_token": csrf_from(page.text), "scope": "course", "emails": email, "due": due}
    response = hr.post("/hr/assignments", data=data)
    assert response.status_code == 303, response.text
    return hr.get(response.headers["location"]).text


def learner(app: FastAPI, session: Session) -> tuple[TestClient, User]:
    client = TestClient(app, follow_redirects=False)
    user = make_user(session, "ana@example.com")
    assert login(client, "ana@example.com").status_code == 303  # type: ignore[attr-defined]
    return client, user


def test_assigning_a_finished_person_starts_a_cycle_and_keeps_the_old_one(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    period(session, "12")
    ana_client, ana = learner(app, session)
    due = (utcnow() + timedelta(days=30)).date().isoformat()
    assign_again(hr_client, "ana@example.com", due)
    finish_course(ana_client)
    first = session.exec(select(Certificate)).one()
    session.expire_all()
    first_done = sorted((c.module_id, c.completed_at) for c in session.exec(select(Completion)))
    # Move time: the first cycle was taken and completed 13 months ago.
    for row in session.exec(select(Completion)):
        row.completed_at = months_ago(13)
        session.add(row)
    for attempt in session.exec(select(QuizAttempt)):
        attempt.submitted_at = months_ago(13)
        session.add(attempt)
    session.commit()
    page = assign_again(
        hr_client, "ana@example.com", (utcnow() + timedelta(days=20)).date().isoformat()
    )
    assert "1 person who had finished started a new recertification cycle" in page
    session.expire_all()
    assert session.get(User, ana.id).cycle == 2  # type: ignore[union-attr]
    started = session.exec(select(RecertCycle)).one()
    assert started.number == 2 and started.started_by_id is not None
    assert all(
        a.due_at.date().isoformat() == started.due_on.isoformat()
        for a in session.exec(select(Assignment))
    )  # type: ignore[union-attr]
    # Nothing of cycle 1 is gone; the learner sees the modules open again.
    assert len(session.exec(select(Completion)).all()) == len(first_done)
    assert len(session.exec(select(QuizAttempt).where(QuizAttempt.cycle == 1)).all()) == 2
    dashboard = ana_client.get("/").text
    assert "Not started" in dashboard and 'id="earlier-certificate"' in dashboard
    # Cycle 1 expired (13 months ago, 12-month period): still theirs, shown as expired.
    earlier = ana_client.get("/certificate")
    assert earlier.status_code == 200 and first.code in earlier.text
    assert "It expired on" in earlier.text and "cycle 1" in earlier.text
    # Reading the lessons is not enough: the cycle-1 pass does not count again.
    mark_read(ana_client, "first-steps")
    mark_read(ana_client, "second-steps")
    assert session.exec(select(Completion).where(Completion.cycle == 2)).all() == []
    submit(ana_client, "first-steps", {"standup": "credit", "review": "finish"})
    submit(ana_client, "second-steps", {"quiet-colleague": "wait"})
    session.expire_all()
    assert {
        c.module_id for c in session.exec(select(Completion).where(Completion.cycle == 2))
    } == set(ALL)
    certs = session.exec(select(Certificate).order_by(Certificate.cycle)).all()
    assert [c.cycle for c in certs] == [1, 2] and certs[0].code == first.code
    assert len(session.exec(select(LessonProgress)).all()) == 4
    # The old certificate still verifies, with its own (expired) dates.
    public = TestClient(app)
    old = public.get(f"/verify/{first.code}").text
    assert f"{months_ago(13).day} " in old.split("Completed</dt>")[1].split("</dd>")[0]
    new = public.get(f"/verify/{certs[1].code}").text
    assert (
        new.split('id="verify-valid-until">')[1].split("<")[0]
        != old.split('id="verify-valid-until">')[1].split("<")[0]
    )
    mine = ana_client.get("/certificate").text
    assert certs[1].code in mine and "Valid until" in mine
    person = hr_client.get(f"/hr/people/{ana.id}").text
    cycles = person.split('id="person-cycles"')[1].split("</table>")[0]
    assert first.code in cycles and certs[1].code in cycles


def test_assigning_someone_not_finished_starts_no_cycle(
    hr_client: TestClient, session: Session
) -> None:
    make_user(session, "bo@example.com")
    due = (utcnow() + timedelta(days=10)).date().isoformat()
    assign_again(hr_client, "bo@example.com", due)
    page = assign_again(hr_client, "bo@example.com", due)
    assert "who had finished started a new recertification cycle" not in page
    assert "were already assigned" in page
    assert session.exec(select(RecertCycle)).all() == []


def test_two_hr_users_reassigning_at_once_start_one_cycle(app: FastAPI, session: Session) -> None:
    ana = make_user(session, "ana@example.com")
    for module in ALL:
        session.add(Assignment(user_id=ana.id or 0, module_id=module, due_at=utcnow(), source="t"))
        session.add(Completion(user_id=ana.id or 0, module_id=module, completed_at=months_ago(13)))
    session.commit()
    catalog: Catalog = app.state.catalog

    def reassign() -> int:
        with write_session(app.state.engine) as s:
            result = assignments.assign(
                s,
                catalog,
                actor_id=None,
                module_ids=ALL,
                department_ids=[],
                emails=["ana@example.com"],
                due=None,
                default_due_days=14,
            )
            return result.cycles

    results = at_once(reassign, reassign, reassign)
    session.expire_all()
    assert sorted(results) == [0, 0, 1]
    assert session.get(User, ana.id).cycle == 2  # type: ignore[union-attr]
    assert len(session.exec(select(RecertCycle)).all()) == 1


def test_a_learner_cannot_start_a_new_cycle(app: FastAPI, session: Session) -> None:
    client, ana = learner(app, session)
    finish_course(client)
    token = csrf_from(client.get("/").text)
    data = {"csrf_token": token, "scope": "course", "emails": "ana@example.com"}
    assert client.post("/hr/assignments", data=data).status_code == 403
    session.expire_all()
    assert session.get(User, ana.id).cycle == 1  # type: ignore[union-attr]
    assert len(session.exec(select(Completion)).all()) == 2
    assert len(session.exec(select(Certificate)).all()) == 1
