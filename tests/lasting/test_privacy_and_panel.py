"""Plans and check-ins stay private; HR's "Lasting learning" panel shows released blocks only.

Abuse cases: HR, a manager and an admin look everywhere they can (pages, the CSV export, the
API, the events feed); HR takes two views over time around one more check-in and one move
between departments, and the difference reveals nobody.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.clock import utcnow
from app.lasting import commitments, released
from app.models import (
    CheckInCount,
    CheckInMember,
    Commitment,
    Department,
    Event,
    User,
    row_id,
)
from tests.factories import make_department, make_user
from tests.lasting.helpers import MODULE, make_due, write_plan
from tests.security.people_helpers import signed_in

SECRET = "SECRET-PLAN-WORDS"


def answered(session: Session, person: User, acted: str = "often") -> Commitment:
    """A plan made 31 days ago whose check-in the person answered."""
    made = utcnow() - timedelta(days=31)
    plan = commitments.Plan(f"{SECRET} situation", f"{SECRET} action")
    row = commitments.save(session, user_id=row_id(person), module_id=MODULE, plan=plan, now=made)
    commitments.check_in(
        session, user_id=row_id(person), module_id=MODULE, acted=acted, decision="keep"
    )
    return row


def department_of(session: Session, name: str, size: int, start: int = 0) -> Department:
    dept = session.exec(select(Department).where(Department.name == name)).first()
    dept = dept or make_department(session, name)
    for i in range(start, start + size):
        answered(session, make_user(session, f"{name.lower()}{i}@example.com", department=dept))
    return dept


def panel_row(client: TestClient, name: str) -> str:
    page = client.get("/hr").text
    section = page.split('id="lasting-learning"')[1].split("</section>")[0]
    return next(r for r in section.split("<tr>") if f'<th scope="row">{name}</th>' in r)


def test_four_people_are_hidden_and_the_fifth_releases_a_block(
    app: FastAPI, session: Session
) -> None:
    hr = signed_in(app, session, "hr@example.com", "hr")
    department_of(session, "Sales", 4)
    assert "Hidden: fewer than 5" in panel_row(hr, "Sales")
    department_of(session, "Sales", 1, start=4)
    row = panel_row(hr, "Sales")
    assert "Hidden" not in row and '<td class="num">5</td>' in row
    assert SECRET not in hr.get("/hr").text


def test_two_views_around_one_more_check_in_and_a_move_differ_by_nobody(
    app: FastAPI, session: Session
) -> None:
    hr = signed_in(app, session, "hr@example.com", "hr")
    sales = department_of(session, "Sales", 6)
    other = make_department(session, "Support")
    first = (panel_row(hr, "Sales"), panel_row(hr, "Everyone"))
    assert "Hidden" not in first[0] and '<td class="num">6</td>' in first[0]
    blocks = session.exec(select(CheckInCount)).all()
    # One more person checks in, and one counted person moves department.
    answered(session, make_user(session, "late@example.com", department=sales), acted="not-yet")
    mover = session.exec(select(User).where(User.email == "sales0@example.com")).one()
    mover.department_id = other.id
    session.add(mover)
    session.commit()
    second = (panel_row(hr, "Sales"), panel_row(hr, "Everyone"))
    assert first == second  # one new person waits unreleased; the move changes no block
    assert session.exec(select(CheckInCount)).all() == blocks  # the noise was drawn once
    waiting = session.exec(select(CheckInMember).where(CheckInMember.block_id == None)).all()  # noqa: E711
    assert len(waiting) == 1
    assert "Hidden" in panel_row(hr, "Support")


def test_hr_manager_and_admin_never_read_a_plan_or_an_answer(
    app: FastAPI, session: Session
) -> None:
    hr = signed_in(app, session, "hr@example.com", "hr")
    admin = signed_in(app, session, "admin@example.com", "admin")
    boss = signed_in(app, session, "boss@example.com", "learner")
    ana_client = signed_in(app, session, "ana@example.com")
    ana = session.exec(select(User).where(User.email == "ana@example.com")).one()
    ana.manager_id = session.exec(select(User).where(User.email == "boss@example.com")).one().id
    session.add(ana)
    session.commit()
    write_plan(ana_client, situation=f"{SECRET} s", action=f"{SECRET} a")
    make_due(session, ana)
    from tests.lasting.helpers import check_in

    assert check_in(ana_client, acted="once").status_code == 303
    pages = {
        hr: ["/hr", "/hr/people", f"/hr/people/{ana.id}", "/hr/people/export.csv", "/hr/audit"],
        admin: ["/hr", f"/hr/people/{ana.id}", "/hr/audit", f"/modules/{MODULE}/commitment"],
        boss: ["/team", "/commitments", f"/modules/{MODULE}/commitment"],
    }
    for client, urls in pages.items():
        for url in urls:
            body = client.get(url).text
            assert SECRET not in body, url
    key = create_key(session, name="sync", scopes=["read"], actor_id=None)[1]
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {key}"}
    for url in ("/api/v1/people", "/api/v1/events"):
        assert SECRET not in api.get(url, headers=headers).text
    for event in session.exec(select(Event)).all():
        assert SECRET not in event.data and "commitment" not in event.kind


def test_a_leaver_is_never_counted_as_an_unanswered_check_in(
    app: FastAPI, session: Session
) -> None:
    person = make_user(session, "left@example.com", active=False)
    made = utcnow() - timedelta(days=60)
    commitments.save(
        session, user_id=row_id(person), module_id=MODULE, plan=commitments.Plan("a", "b"), now=made
    )
    released.catch_up(session)
    assert session.exec(select(CheckInMember)).all() == []
    stayer = make_user(session, "stayer@example.com")
    commitments.save(
        session, user_id=row_id(stayer), module_id=MODULE, plan=commitments.Plan("a", "b"), now=made
    )
    released.catch_up(session)
    assert [m.answer for m in session.exec(select(CheckInMember))] == [released.NONE]
