"""Differencing attacks on aggregates: two views around one person's change must not reveal them.

Issue 13, finding 4: viewing /hr/scenarios for a department, moving one person out by import
and viewing again recovered that person's points; so did one first attempt between two views;
so did reveal, back, one more vote, reveal in a group session.
"""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Department
from tests.hr.conftest import signed_in_as
from tests.hr.factories import make_attempt, make_department, make_people
from tests.hr.test_import import import_file
from tests.live.conftest import TO_REVEAL_1, TO_VOTE_1, Live, facilitator, join, live, vote

__all__ = ["facilitator", "live"]  # fixtures

ROW = re.compile(
    r'<th scope="row">([^<]+)</th>\s*<td>[^<]+</td>\s*(?:<td class="num" colspan="2">Hidden'
    r'|<td class="num"><meter[^>]*></meter> (\d+)%</td>\s*<td class="num">(\d+)</td>)'
)


@pytest.fixture
def hr_client(app: FastAPI, session: Session) -> TestClient:
    return signed_in_as(app, session, "hr", "Hana HR")


def view(client: TestClient, department: Department | None = None) -> dict[str, tuple[int, int]]:
    """The shown (percent, people) per scenario title; hidden rows are left out."""
    query = f"?department={department.id}" if department else ""
    page = client.get(f"/hr/scenarios{query}")
    assert page.status_code == 200
    return {t: (int(p), int(n)) for t, p, n in ROW.findall(page.text) if n}


def recovered(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    """What an attacker learns about the people between two views: their mean percent."""
    (p1, n1), (p2, n2) = before, after
    if n1 == n2:
        return None
    return (p1 * n1 - p2 * n2) / (n1 - n2)


def test_moving_one_person_out_by_import_between_views_reveals_nothing(
    hr_client: TestClient, session: Session
) -> None:
    sales, ops = make_department(session, "Sales"), make_department(session, "Ops")
    stayers = make_people(session, 5, sales, prefix="s")
    victim = make_people(session, 1, sales, prefix="v")[0]
    for person in stayers:
        make_attempt(session, person, points={"standup": 2, "review": 2})
    make_attempt(session, victim, points={"standup": 0, "review": 1})
    for person in make_people(session, 5, ops, prefix="o"):
        make_attempt(session, person, points={"standup": 1, "review": 1})
    before = view(hr_client, sales)
    assert before["The stand-up"][1] == 6  # the victim is in the figure

    import_file(hr_client, f"email,name,department\n{victim.email},{victim.name},Ops\n")
    session.refresh(victim)
    assert victim.department_id == ops.id
    after = view(hr_client, sales)

    for title in ("The stand-up", "The review"):
        assert recovered(before[title], after[title]) is None, title
    assert after == before
    assert view(hr_client, ops)["The stand-up"][1] == 5  # counted where it was made


def test_one_first_attempt_between_views_reveals_nothing(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    for person in make_people(session, 5, sales, prefix="s"):
        make_attempt(session, person, points={"standup": 2, "review": 2})
    before = {None: view(hr_client), sales.id: view(hr_client, sales)}
    newcomer = make_people(session, 1, sales, prefix="n")[0]
    make_attempt(session, newcomer, points={"standup": 0, "review": 0})
    assert view(hr_client) == before[None]
    assert view(hr_client, sales) == before[sales.id]


def test_a_figure_changes_only_when_five_new_people_are_in_it(
    hr_client: TestClient, session: Session
) -> None:
    sales = make_department(session, "Sales")
    for person in make_people(session, 5, sales, prefix="s"):
        make_attempt(session, person, points={"standup": 2, "review": 2})
    seen = [view(hr_client, sales)["The stand-up"]]
    for i, person in enumerate(make_people(session, 10, sales, prefix="n")):
        make_attempt(session, person, points={"standup": i % 3, "review": 1})
        seen.append(view(hr_client, sales)["The stand-up"])
    people = [n for _, n in seen]
    assert people == [5] * 5 + [10] * 5 + [15]
    steps = {b - a for a, b in itertools.pairwise(people)}
    assert steps <= {0, 5}


def _revote(live: Live) -> None:
    """From the reveal back to voting (reveal -> closed -> vote)."""
    for _ in range(TO_REVEAL_1 - TO_VOTE_1):
        assert live.step("back").status_code == 303


def _shown(live: Live) -> list[str]:
    return re.findall(r'<meter min="0" max="100" value="(\d+)">', live.present().text)


def test_one_more_vote_between_two_reveals_reveals_nothing(app: FastAPI, live: Live) -> None:
    phones = [join(app, live.code) for _ in range(10)]
    live.go(TO_VOTE_1)
    for phone in phones[:5]:
        assert vote(phone, live.code, "standup", "credit").status_code == 303
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    first = _shown(live)
    assert first == ["100", "0", "0"]

    _revote(live)  # one more person votes, and one changes their vote
    vote(phones[5], live.code, "standup", "silent")
    vote(phones[0], live.code, "standup", "silent")
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    assert _shown(live) == first
    page = live.present().text
    assert (
        "<strong>5 of 10</strong> voted" in page
        and "1 later vote is left out until at least 5 are new" in page
    )

    _revote(live)
    for phone in phones[6:]:
        vote(phone, live.code, "standup", "private")
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    assert _shown(live) == ["50", "40", "10"]  # 5 new voters: the first 5 as they were released
    live.step("end")
    summary = live.client.get(f"/live/{live.id}/summary.csv").text
    assert ",10,Say it was Ana's idea and let her go on.,5,50,yes" in summary
