"""HR release blocks: pooled blocks for small departments, concurrent catch-ups, bounded cost."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.hr import release
from app.models import Invite, ReleaseBlock, ReleaseMember, User
from tests.concurrency import at_once
from tests.factories import make_user
from tests.hr.factories import make_attempt, make_department, make_people
from tests.security.test_differencing import hr_client, view

__all__ = ["hr_client"]  # fixture


def test_old_attempts_of_small_departments_count_for_everyone_in_a_pooled_block(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    old = utcnow() - release.POOL_AFTER - timedelta(days=1)
    departments = [make_department(session, f"D{i}") for i in range(3)]
    for dept in departments:  # 3 x 2 people: no department reaches 5 on its own
        for person in make_people(session, 2, dept, prefix=dept.name):
            make_attempt(session, person, points={"standup": 1, "review": 1}, at=old)
    percent, people = view(hr_client)["The stand-up"]
    assert people == 6 and 0 <= percent <= 100  # the percent carries the block's noise
    assert all("The stand-up" not in view(hr_client, d) for d in departments)
    block = session.exec(select(ReleaseBlock)).one()
    assert (block.pooled, block.people, block.department_id) == (True, 6, None)


def test_two_catch_ups_at_once_seal_each_member_once(app: FastAPI, session: Session) -> None:
    sales = make_department(session, "Sales")
    for person in make_people(session, 12, sales):
        make_attempt(session, person)
    at_once(*[lambda: release.catch_up(app.state.engine)] * 2)
    blocks = session.exec(select(ReleaseBlock)).all()
    assert [b.people for b in blocks] == [12]
    members = session.exec(select(func.count()).select_from(ReleaseMember)).one()
    assert members == 12
    assert (
        session.exec(select(ReleaseMember).where(col(ReleaseMember.block_id).is_(None))).all() == []
    )


def test_releasing_costs_statements_per_block_not_per_person(
    app: FastAPI, session: Session
) -> None:
    def statements_to_release(count: int, name: str) -> int:
        dept = make_department(session, name)
        for person in make_people(session, count, dept, prefix=name):
            make_attempt(session, person)
        seen: list[str] = []

        def record(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(app.state.engine, "before_cursor_execute", record)
        try:
            release.catch_up(app.state.engine)
        finally:
            event.remove(app.state.engine, "before_cursor_execute", record)
        return len(seen)

    assert statements_to_release(5, "small") == statements_to_release(60, "large")


def test_leavers_and_moves_never_change_what_was_counted(
    hr_client: TestClient, session: Session
) -> None:
    sales, ops = make_department(session, "Sales"), make_department(session, "Ops")
    people = make_people(session, 5, sales)
    for person in people:
        make_attempt(session, person)
    before = (view(hr_client), view(hr_client, sales), view(hr_client, ops))
    for person in people[:3]:
        person.department_id = ops.id
        person.active = person is not people[0]
        session.add(person)
    session.commit()
    assert (view(hr_client), view(hr_client, sales), view(hr_client, ops)) == before
    moved = session.exec(select(User).where(User.department_id == ops.id)).all()
    assert len(moved) == 3


def test_accounts_hr_could_hold_never_fill_a_block(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    """The outside test's attack: HR makes learners through on-screen links (and takes the quiz
    itself), answers known, so that one real person's answers show by subtraction."""
    sales = make_department(session, "Sales")
    held = make_people(session, 3, sales, prefix="held")
    for person in held:
        session.add(Invite(user_id=person.id or 0, shown=True, used_at=utcnow()))
    staff = [
        make_user(session, f"{r}@sales.example", role=r, department=sales) for r in ("hr", "admin")
    ]
    victim = make_people(session, 1, sales, prefix="victim")
    session.commit()
    for person in [*held, *staff, *victim]:
        make_attempt(session, person, points={"standup": 0, "review": 0})
    assert "The stand-up" not in view(hr_client, sales)
    assert session.exec(select(ReleaseBlock)).first() is None
    counted = session.exec(select(ReleaseMember.user_id)).all()
    assert counted == [victim[0].id]  # only the real learner waits for four more like them
