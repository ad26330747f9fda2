"""Team figures follow HR's small-group rule, in one view and across views over time."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import utcnow
from app.models import User
from app.privacy import MIN_GROUP
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_completion
from tests.team.helpers import report, reports, signed_in

HIDDEN = f"Fewer than {MIN_GROUP} people: not shown"


def _figures(client: TestClient) -> dict[str, str]:
    """Each figure row of the page: label -> its cells' text ('hidden' when suppressed)."""
    page = client.get("/team").text
    found = {}
    for table in re.findall(r'<table class="table team-figures">(.*?)</table>', page, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table).group(1)  # type: ignore[union-attr]
        for label, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
            text = " ".join(re.sub(r"<[^>]+>", " ", cells).split())
            found[html.unescape(f"{caption}: {label}")] = "hidden" if HIDDEN in cells else text
    return found


def _assign(session: Session, people: list[User], *, done: int = 0, overdue: int = 0) -> None:
    for i, person in enumerate(people):
        late = done <= i < done + overdue
        make_assignment(session, person, due_at=utcnow() + timedelta(days=-3 if late else 9))
        if i < done:
            make_completion(session, person)


def test_a_manager_of_one_sees_their_report_but_no_figure(app: FastAPI, session: Session) -> None:
    boss = make_user(session, "boss@example.com")
    _assign(session, [report(session, "ana@example.com", boss, name="Ana Only")], done=1)
    client = signed_in(app, "boss@example.com")
    figures = _figures(client)
    assert figures and set(figures.values()) == {"hidden"}, figures
    assert "Ana Only" in client.get("/team").text


def test_a_team_of_five_shows_its_rate_and_overdue_count(app: FastAPI, session: Session) -> None:
    boss = make_user(session, "boss@example.com")
    _assign(session, reports(session, boss, 5, prefix="p"), done=2, overdue=1)
    figures = _figures(signed_in(app, "boss@example.com"))
    assert figures["Whole team: Whole team"] == "5 40% 1"
    assert figures["By module: First steps"] == "5 40% 1"


def test_a_small_line_is_hidden_with_another_so_no_subtraction_reveals_it(
    app: FastAPI, session: Session
) -> None:
    """Lines of 5 and 1 under a shown team of 6: hiding only the 1 would leave it as 6 - 5."""
    boss = make_user(session, "boss@example.com")
    lead = report(session, "lead@example.com", boss, name="Lea Lead")
    _assign(session, [lead, *reports(session, lead, 4, prefix="q")], done=1)
    _assign(session, [report(session, "solo@example.com", boss, name="Sol Solo")], overdue=1)
    figures = _figures(signed_in(app, "boss@example.com"))
    assert figures["Whole team: Whole team"] == "6 17% 1"
    assert figures["By line of each direct report: Sol Solo's line"] == "hidden"
    assert figures["By line of each direct report: Lea Lead's line"] == "hidden"


def test_two_views_over_time_reveal_nobody_the_page_does_not_already_list(
    app: FastAPI, session: Session
) -> None:
    """A view before and after one person joins or leaves differs by that person only.

    The figures are sums of the rows listed on the same page, so their difference is a row
    the manager already sees; below 5 people every figure is hidden, so a team shrinking to
    4 cannot be compared with itself at 5.
    """
    boss = make_user(session, "boss@example.com")
    team = reports(session, boss, 5, prefix="p")
    _assign(session, team, done=3)
    client = signed_in(app, "boss@example.com")
    five = _figures(client)
    assert five["Whole team: Whole team"] == "5 60% 0"
    newcomer = report(session, "new@example.com", boss, name="Nina Newcomer")
    _assign(session, [newcomer], overdue=1)
    six = _figures(client)
    assert six["Whole team: Whole team"] == "6 50% 1"
    page = client.get("/team").text
    assert re.search(r"Nina Newcomer.*?overdue", page, re.S), "the difference is a listed row"
    for person in (newcomer, team[0]):
        person.active = False
        session.add(person)
    session.commit()
    four = _figures(client)
    assert set(four.values()) == {"hidden"}, four
