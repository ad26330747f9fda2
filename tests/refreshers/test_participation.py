"""HR's refresher participation: rates only, in released blocks of 5+, stable over time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import RefresherAnswer, RefresherBlock, RefresherMember, User, row_id
from app.refreshers import participation
from app.web.templating import templates
from tests.conftest import PROJECT_ROOT
from tests.factories import make_department, make_user
from tests.refreshers.helpers import MODULE, pass_module


@pytest.fixture
def content_dir() -> Path:
    return PROJECT_ROOT


def people(
    session: Session, n: int, dept: object = None, start: int = 0, **kw: object
) -> list[User]:
    return [
        make_user(session, f"p{start + i}@example.com", department=dept, **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]


def took(session: Session, user: User, round: int = 1) -> None:
    session.add(
        RefresherAnswer(
            user_id=row_id(user),
            module_id=MODULE,
            round=round,
            scenario_id="x",
            choice_id="a",
            points=2,
            max_points=2,
            content_hash="h",
        )
    )
    session.commit()


def rates(app: FastAPI, session: Session) -> dict[str, tuple[int, int]]:
    found = participation.participation(session, app.state.catalog)
    module = next(m for m in found if m.module_id == MODULE)
    return {r.name: (r.people, r.percent) for r in module.departments}


def test_fewer_than_five_people_show_no_figure(app: FastAPI, session: Session) -> None:
    dept = make_department(session)
    for user in people(session, 4, dept):
        pass_module(session, row_id(user), days_ago=60)
        took(session, user)
    participation.catch_up(session)
    assert rates(app, session) == {}
    assert session.exec(select(RefresherBlock)).all() == []


def test_five_final_outcomes_are_released_as_one_block(app: FastAPI, session: Session) -> None:
    dept = make_department(session)
    group = people(session, 5, dept)
    for user in group:
        pass_module(session, row_id(user), days_ago=60)
    for user in group[:3]:
        took(session, user)
    participation.catch_up(session)
    [block] = session.exec(select(RefresherBlock)).all()
    assert block.people == 5
    people_counted, percent = rates(app, session)["Engineering"]
    assert people_counted == 5 and 0 <= percent <= 100


def test_outcomes_count_only_once_the_last_round_has_closed(app: FastAPI, session: Session) -> None:
    dept = make_department(session)
    for user in people(session, 5, dept):
        pass_module(session, row_id(user), days_ago=20)
        took(session, user)
    participation.catch_up(session)
    assert session.exec(select(RefresherMember)).all() == []
    participation.catch_up(session, now=utcnow() + timedelta(days=30))
    assert len(session.exec(select(RefresherMember)).all()) == 5


def test_a_released_figure_never_changes_when_one_person_moves_or_acts_later(
    app: FastAPI, session: Session
) -> None:
    """Two views over time differ only by whole new blocks, never by one person."""
    eng, ops = make_department(session), make_department(session, "Operations")
    group = people(session, 5, eng)
    for user in group:
        pass_module(session, row_id(user), days_ago=60)
    took(session, group[0])
    participation.catch_up(session)
    before = rates(app, session)
    took(session, group[1], round=2)  # after being counted: changes nothing
    moved = session.get(User, row_id(group[2]))
    assert moved is not None
    moved.department_id = ops.id
    session.add(moved)
    session.commit()
    late = people(session, 1, ops, start=10)[0]
    pass_module(session, row_id(late), days_ago=60)
    participation.catch_up(session)
    assert rates(app, session) == before


def test_hr_admin_and_leavers_are_never_counted(app: FastAPI, session: Session) -> None:
    dept = make_department(session)
    group = people(session, 3, dept) + people(session, 2, dept, start=5, role="hr")
    group += people(session, 1, dept, start=9, active=False)
    for user in group:
        pass_module(session, row_id(user), days_ago=60)
    participation.catch_up(session)
    counted = {m.user_id for m in session.exec(select(RefresherMember)).all()}
    assert counted == {row_id(u) for u in group[:3]}
    assert rates(app, session) == {}


def test_the_hr_partial_shows_rates_and_never_names_or_answers(
    app: FastAPI, session: Session
) -> None:
    dept = make_department(session)
    group = people(session, 5, dept)
    for user in group:
        pass_module(session, row_id(user), days_ago=60)
        took(session, user)
    participation.catch_up(session)
    html = templates.env.get_template("refreshers/_hr_participation.html").render(
        refresher_participation=participation.participation(session, app.state.catalog)
    )
    assert "Engineering" in html and "%" in html
    assert "Ana Example" not in html and not any(u.email in html for u in group)
    empty = templates.env.get_template("refreshers/_hr_participation.html").render(
        refresher_participation=[]
    )
    assert "No figures yet" in empty
