"""The team page: a manager's direct and indirect reports, status and dates, never scores."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlmodel import Session, update

from app.clock import utcnow
from app.models import RecertCycle, Reflection, row_id
from app.recert.cycles import start_cycle
from tests.factories import make_user
from tests.hr.factories import make_assignment, make_attempt, make_completion, make_read
from tests.team.helpers import report, signed_in


def _rows(page: str) -> dict[str, str]:
    """Each person's row text (name -> the row's cells), from the people table."""
    table = page.split('id="team-people-table"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        name = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if name:
            found[name.group(1).strip()] = re.sub(r"<[^>]+>", " ", row)
    return found


def test_team_page_lists_direct_and_indirect_reports_with_status_and_dates(
    app: FastAPI, session: Session
) -> None:
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Direct")
    bo = report(session, "bo@example.com", ana, name="Bo Indirect")
    cy = report(session, "cy@example.com", bo, name="Cy Deep")
    dee = report(session, "dee@example.com", boss, name="Dee Direct")
    make_user(session, "out@example.com", name="Otto Outsider")
    for person in (ana, bo, cy, dee):
        make_assignment(session, person, due_at=utcnow() + timedelta(days=5))
    make_completion(session, ana)
    make_read(session, cy)
    make_assignment(session, bo, "second-steps", due_at=utcnow() - timedelta(days=2))
    page = signed_in(app, "boss@example.com").get("/team")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert set(rows) == {"Ana Direct", "Bo Indirect", "Cy Deep", "Dee Direct"}
    assert "complete" in rows["Ana Direct"] and " you " in rows["Ana Direct"]
    assert "overdue" in rows["Bo Indirect"] and "Ana Direct" in rows["Bo Indirect"]
    assert "in progress" in rows["Cy Deep"] and "Bo Indirect" in rows["Cy Deep"]
    assert "not started" in rows["Dee Direct"]
    assert "Otto Outsider" not in page.text


def test_team_page_never_shows_scores_attempts_or_reflections(
    app: FastAPI, session: Session
) -> None:
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Direct")
    make_assignment(session, ana)
    make_attempt(session, ana, points={"standup": 2, "review": 1}, max_score=4)  # 75%
    make_attempt(session, ana, points={"standup": 1, "review": 0}, max_score=4)  # 25%
    session.add(Reflection(user_id=ana.id or 0, module_id="first-steps", text="My private note"))
    session.commit()
    page = signed_in(app, "boss@example.com").get("/team").text
    assert "Ana Direct" in page
    for leak in ("75%", "25%", "3 of 4", "My private note", "Attempts", "Score", "score</"):
        assert leak not in page, leak


def test_people_without_reports_never_see_the_page_or_its_link(
    app: FastAPI, session: Session
) -> None:
    boss = make_user(session, "boss@example.com")
    report(session, "ana@example.com", boss)
    for role in ("learner", "facilitator", "hr", "admin"):
        make_user(session, f"{role}@example.com", role=role)
        client = signed_in(app, f"{role}@example.com")
        assert client.get("/team").status_code == 404, role
        assert 'href="/team"' not in client.get("/help").text, role
    manager = signed_in(app, "boss@example.com")
    assert 'href="/team"' in manager.get("/help").text


def test_hr_with_reports_gets_the_team_page_like_anyone(app: FastAPI, session: Session) -> None:
    hana = make_user(session, "hana@example.com", role="hr", name="Hana HR")
    report(session, "ana@example.com", hana, name="Ana Report")
    client = signed_in(app, "hana@example.com")
    assert 'href="/team"' in client.get("/hr").text
    assert "Ana Report" in client.get("/team").text


def test_a_manager_cannot_reach_someone_outside_their_team_by_id(
    app: FastAPI, session: Session
) -> None:
    boss = make_user(session, "boss@example.com")
    report(session, "ana@example.com", boss, name="Ana Mine")
    other = make_user(session, "other@example.com", name="Olga Other")
    theirs = report(session, "theirs@example.com", other, name="Theo Theirs")
    client = signed_in(app, "boss@example.com")
    for url in (
        f"/team/{theirs.id}",
        f"/team?user_id={theirs.id}",
        f"/team?manager_id={other.id}",
        f"/hr/people/{theirs.id}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        assert "Theo Theirs" not in response.text, url


def test_bad_page_numbers_get_a_clear_message(app: FastAPI, session: Session) -> None:
    boss = make_user(session, "boss@example.com")
    report(session, "ana@example.com", boss)
    client = signed_in(app, "boss@example.com")
    for bad in ("abc", "0", "-1", "9" * 30):
        response = client.get(f"/team?page={bad}")
        assert response.status_code == 422, bad
    assert client.get("/team?page=999").status_code == 200  # past the end: the last page


def test_a_deactivated_manager_loses_the_page(app: FastAPI, session: Session) -> None:
    boss = make_user(session, "boss@example.com")
    report(session, "ana@example.com", boss)
    client = signed_in(app, "boss@example.com")
    assert client.get("/team").status_code == 200
    boss.active = False
    session.add(boss)
    session.commit()
    response = client.get("/team")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_leaver_and_their_line_drop_out_of_the_team(app: FastAPI, session: Session) -> None:
    boss = make_user(session, "boss@example.com")
    ana = report(session, "ana@example.com", boss, name="Ana Leaver")
    report(session, "bo@example.com", ana, name="Bo Under Ana")
    report(session, "cy@example.com", boss, name="Cy Stays")
    client = signed_in(app, "boss@example.com")
    assert "Bo Under Ana" in client.get("/team").text
    ana.active = False
    session.add(ana)
    session.commit()
    page = client.get("/team").text
    assert "Cy Stays" in page and "Ana Leaver" not in page and "Bo Under Ana" not in page
    solo = make_user(session, "solo@example.com")
    report(session, "gone@example.com", solo, active=False)
    assert signed_in(app, "solo@example.com").get("/team").status_code == 404


def test_a_loop_written_straight_into_the_database_lists_each_person_once(
    app: FastAPI, session: Session
) -> None:
    """Import refuses loops; rows written by hand could still hold one."""
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Direct")
    bo = report(session, "bo@example.com", ana, name="Bo Indirect")
    boss.manager_id = bo.id  # boss -> ana -> bo -> boss
    session.add(boss)
    session.commit()
    everyone = {"boss@example.com": "Bea Boss", "ana@example.com": "Ana Direct"}
    everyone["bo@example.com"] = "Bo Indirect"
    for email, name in everyone.items():
        response = signed_in(app, email).get("/team")
        assert response.status_code == 200, email
        assert set(_rows(response.text)) == set(everyone.values()) - {name}, email


def test_a_new_cycle_shows_the_day_it_started_as_the_assigned_date(
    app: FastAPI, session: Session
) -> None:
    """Like HR's person page: in a later cycle, a module assigned earlier counts from the cycle's start."""
    boss = make_user(session, "boss@example.com", name="Bea Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Direct")
    assignment = make_assignment(session, ana, due_at=utcnow() + timedelta(days=40))
    assignment.created_at = datetime(2025, 1, 15, 9, tzinfo=UTC)
    session.add(assignment)
    session.commit()
    rows = _rows(signed_in(app, "boss@example.com").get("/team").text)
    assert "15 Jan 2025" in rows["Ana Direct"]
    started = datetime(2026, 2, 3, 9, tzinfo=UTC)
    assert start_cycle(session, user_id=row_id(ana), seen=ana.cycle, actor_id=None, due_on=None)
    session.exec(update(RecertCycle).values(started_at=started))  # type: ignore[call-overload]
    session.commit()
    rows = _rows(signed_in(app, "boss@example.com").get("/team").text)
    assert "3 Feb 2026" in rows["Ana Direct"] and "15 Jan 2025" not in rows["Ana Direct"]
