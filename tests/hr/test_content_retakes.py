"""What HR sees after a material content release: a count per module of people who must take
it again, the reopened module and the kept earlier completion on the person page, and exports
that show the module as to do while the earlier completion still counts for recertification."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import User
from tests.conftest import login
from tests.content.releases import baseline_then_material, completed
from tests.factories import make_user
from tests.hr.factories import make_assignment
from tests.team.helpers import report
from tests.team.helpers import signed_in as team_signed_in


def reopened_people(app: FastAPI, session: Session, tmp_path: Path, n: int = 2) -> list[User]:
    people = [make_user(session, f"p{i}@example.com", name=f"Person {i}") for i in range(n)]
    for person in people:
        make_assignment(session, person, "first-steps")
        completed(session, person)
    baseline_then_material(session, app.state.catalog, tmp_path, note="New <b>pay</b> data.")
    return people


def test_overview_counts_people_who_must_take_a_module_again(
    app: FastAPI, hr_client: TestClient, session: Session, tmp_path: Path
) -> None:
    assert 'id="must-retake"' not in hr_client.get("/hr").text
    people = reopened_people(app, session, tmp_path, n=3)
    page = hr_client.get("/hr").text
    section = page.split('id="must-retake"', 1)[1].split("</section>", 1)[0]
    assert '<th scope="row">First steps</th><td class="num">3</td>' in section
    completed(session, people[0])  # one of them takes it again
    people[1].active = False  # and one leaves
    session.add(people[1])
    session.commit()
    section = hr_client.get("/hr").text.split('id="must-retake"', 1)[1]
    assert '<th scope="row">First steps</th><td class="num">1</td>' in section


def test_person_page_shows_the_reopened_module_and_keeps_the_earlier_completion(
    app: FastAPI, hr_client: TestClient, session: Session, tmp_path: Path
) -> None:
    ana = reopened_people(app, session, tmp_path, n=1)[0]
    page = hr_client.get(f"/hr/people/{ana.id}").text
    modules = page.split("<h2>Modules</h2>", 1)[1].split("</table>", 1)[0]
    row = modules.split('<th scope="row">First steps</th>', 1)[1].split("</tr>", 1)[0]
    assert "Not started" in row
    assert "Reopened by content release 2 on" in row and "earlier completion" in row
    attempts = page.split("<h2>Quiz attempts</h2>", 1)[1].split("</table>", 1)[0]
    assert attempts.count("Passed") == 1  # the earlier attempt stays in the history
    cycles = page.split('id="person-cycles"', 1)[1].split("</table>", 1)[0]
    assert "First steps (" in cycles  # the earlier completion, in its cycle (by title)


def test_export_shows_the_module_to_do_while_recertification_still_counts_it(
    app: FastAPI, hr_client: TestClient, session: Session, tmp_path: Path
) -> None:
    reopened_people(app, session, tmp_path, n=1)
    response = hr_client.get("/hr/people/export.csv?kind=long&q=p0%40")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    first = dict(zip(header, rows[0], strict=True))
    assert first["module_id"] == "first-steps"
    assert first["status"] != "complete" and first["completed_on"] == ""
    assert first["recert_status"] == "current"  # the earlier completion stays valid


def test_a_learner_cannot_see_the_hr_counts(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    reopened_people(app, session, tmp_path, n=1)
    assert login(client, "p0@example.com").status_code == 303  # type: ignore[attr-defined]
    assert client.get("/hr").status_code in (403, 404)


def test_the_team_page_lists_a_reopened_module_once_and_not_complete(
    app: FastAPI, session: Session, tmp_path: Path
) -> None:
    boss = make_user(session, "boss@example.com", name="Boss")
    ana = report(session, "ana@example.com", boss, name="Ana Report")
    make_assignment(session, ana, "first-steps")
    completed(session, ana)
    manager = team_signed_in(app, "boss@example.com")
    before = manager.get("/team").text
    assert before.count("First steps</td>") == 1 and "status-complete" in before
    baseline_then_material(session, app.state.catalog, tmp_path)
    after = manager.get("/team").text
    assert after.count("First steps</td>") == 1 and "status-complete" not in after
