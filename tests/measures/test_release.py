"""HR sees change in confidence only by department, from released noisy blocks of 5 or more."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.api.keys import create_key
from app.measures import released
from app.models import Department, MeasureBlock, User
from tests.factories import make_department, make_user
from tests.measures.conftest import FIRST, ITEMS, LAST, passed, ratings, send, signed_in

ROW = re.compile(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', re.S)


def _both(app: FastAPI, session: Session, person: User, before: int, after: int) -> None:
    client = signed_in(app, person.email)
    assert send(client, "before", ratings("before", now=before)).status_code == 303  # type: ignore[attr-defined]
    passed(session, person, FIRST, LAST)
    assert send(client, "after", ratings("after", now=after, back=1)).status_code == 303  # type: ignore[attr-defined]


def _people(session: Session, n: int, dept: Department, prefix: str) -> list[User]:
    return [
        make_user(session, f"{prefix}{i}@example.com", name=f"{prefix} {i}", department=dept)
        for i in range(n)
    ]


def _panel(hr: TestClient) -> dict[str, str]:
    page = hr.get("/hr")
    assert page.status_code == 200
    section = page.text.split('id="measures-departments"')[1].split("</table>")[0]
    return {name: cells for name, cells in ROW.findall(section)}


@pytest.fixture
def hr(app: FastAPI, session: Session) -> TestClient:
    make_user(session, "hr@example.com", name="Hr Person", role="hr")
    return signed_in(app, "hr@example.com")


def test_measures_group_of_four_is_hidden(app: FastAPI, session: Session, hr: TestClient) -> None:
    sales = make_department(session, "Sales")
    for person in _people(session, 4, sales, "s"):
        _both(app, session, person, 2, 6)
    assert "Hidden: fewer than 5" in _panel(hr)["Sales"]
    assert session.exec(select(func.count()).select_from(MeasureBlock)).one() == 0


def test_measures_group_of_five_is_released_with_noise_stored_once(
    app: FastAPI, session: Session, hr: TestClient
) -> None:
    sales = make_department(session, "Sales")
    for person in _people(session, 5, sales, "s"):
        _both(app, session, person, 2, 6)
    first = _panel(hr)["Sales"]
    assert "Hidden" not in first and '<td class="num">5</td>' in first
    assert _panel(hr)["Sales"] == first  # every view reads the same stored noisy sums
    block = session.exec(select(MeasureBlock)).one()
    assert (block.people, block.items) == (5, 5 * len(ITEMS))


def test_measures_one_more_person_between_views_reveals_nothing(
    app: FastAPI, session: Session, hr: TestClient
) -> None:
    sales = make_department(session, "Sales")
    for person in _people(session, 5, sales, "s"):
        _both(app, session, person, 4, 4)
    before = _panel(hr)
    newcomer = _people(session, 1, sales, "n")[0]
    _both(app, session, newcomer, 1, 7)
    assert _panel(hr) == before  # the sixth person waits for four more


def test_measures_a_move_between_views_changes_nothing_released(
    app: FastAPI, session: Session, hr: TestClient
) -> None:
    sales, ops = make_department(session, "Sales"), make_department(session, "Ops")
    people = _people(session, 5, sales, "s")
    for person in people:
        _both(app, session, person, 3, 5)
    before = _panel(hr)
    people[0].department_id = ops.id
    session.add(people[0])
    session.commit()
    after = _panel(hr)
    assert after == before  # counted where it was made; Ops has no block
    assert "Hidden" in after["Ops"]


def test_measures_department_changes_service_counts_blocks_only(
    app: FastAPI, session: Session
) -> None:
    sales = make_department(session, "Sales")
    for person in _people(session, 5, sales, "s"):
        _both(app, session, person, 2, 5)
    assert released.department_changes(app.state.engine)[0].people == 5
    for person in _people(session, 2, sales, "n"):
        _both(app, session, person, 7, 1)
    figures = {d.name: d for d in released.department_changes(app.state.engine)}
    assert figures["Sales"].people == 5  # two wait for three more
    assert not figures["Sales"].hidden


def _private_text(session: Session) -> list[str]:
    from app.content.measures import check_measures
    from tests.conftest import PROJECT_ROOT

    measures = check_measures(PROJECT_ROOT)[0]
    assert measures is not None
    return [i.text for i in measures.items] + ["measure", "self-assessment", "confidence"]


def test_measures_individual_answers_reach_no_hr_manager_admin_export_or_api(
    app: FastAPI, session: Session, hr: TestClient
) -> None:
    sales = make_department(session, "Sales")
    boss = make_user(session, "boss@example.com", name="Boss", department=sales)
    ana = make_user(session, "ana@example.com", name="Ana", department=sales)
    ana.manager_id, ana.external_id = boss.id, "ana-1"
    session.add(ana)
    session.commit()
    make_user(session, "admin@example.com", name="Admin", role="admin")
    _both(app, session, ana, 2, 7)
    secret = create_key(session, name="hr-system", scopes=["read"], actor_id=None)[1]
    api = TestClient(app, follow_redirects=False, headers={"Authorization": f"Bearer {secret}"})
    admin = signed_in(app, "admin@example.com")
    responses = {
        "hr person": hr.get(f"/hr/people/{ana.id}"),
        "hr people": hr.get("/hr/people"),
        "hr export": hr.get("/hr/people/export.csv"),
        "admin person": admin.get(f"/hr/people/{ana.id}"),
        "admin own page": admin.get(f"/measures?user_id={ana.id}"),
        "manager team": signed_in(app, "boss@example.com").get("/team"),
        "api person": api.get("/api/v1/people/ana-1"),
        "api progress": api.get("/api/v1/progress"),
        "api events": api.get("/api/v1/events"),
    }
    assert {w: r.status_code for w, r in responses.items()} == dict.fromkeys(responses, 200)
    pages = {where: r.text for where, r in responses.items()}
    for where, text in pages.items():
        for private in _private_text(session)[: len(ITEMS)]:
            assert private not in text, where
        assert "measureresponse" not in text.lower() and '"ratings"' not in text, where
    assert 'id="my-measures"' not in pages["admin own page"]
