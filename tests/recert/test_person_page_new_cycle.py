"""Outside test F8 leftovers: on HR's person page a new cycle's modules show the day the
cycle assigned them (not the first cycle's date), and the cycles table names modules by title."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.models import Assignment
from app.web.templating import format_date
from tests.factories import make_user
from tests.recert.conftest import ALL, finished, months_ago, period
from tests.recert.test_cycles import assign_again


def _module_rows(page: str) -> dict[str, str]:
    """The module table's rows by title: the Assigned cell (the third)."""
    table = page.split('<caption class="visually-hidden">Modules of')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)
    return {title: re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)[1] for title, cells in rows}


def test_a_new_cycle_shows_its_own_assigned_date_and_titles_in_the_cycles_table(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    period(session, "12")
    ana = make_user(session, "ana@example.com")
    finished(session, ana, at=months_ago(13), code="AAAA-BBBB-CCCC")
    first_assigned = months_ago(14)
    for row in session.exec(select(Assignment)):
        row.created_at = first_assigned
        session.add(row)
    session.commit()
    before = _module_rows(hr_client.get(f"/hr/people/{ana.id}").text)
    titles = {m.id: m.title for m in app.state.catalog.modules}
    assert {before[titles[m]] for m in ALL} == {format_date(first_assigned)}
    due = (utcnow() + timedelta(days=20)).date().isoformat()
    assign_again(hr_client, "ana@example.com", due)
    page = hr_client.get(f"/hr/people/{ana.id}").text
    after = _module_rows(page)
    assert {after[titles[m]] for m in ALL} == {format_date(utcnow())}
    cycles = page.split('id="person-cycles"')[1].split("</table>")[0]
    for module in ALL:
        assert f"{titles[module]} ({format_date(months_ago(13))})" in cycles
        assert f"{module} (" not in cycles


def test_privacy_says_hr_sees_each_completed_module_with_its_date(
    app: FastAPI, hr_client: TestClient, session: Session
) -> None:
    """Outside test F14: /privacy said "how many modules", while the cycles table lists each."""
    ana = make_user(session, "ana@example.com")
    finished(session, ana, at=months_ago(2), code="DDDD-EEEE-FFFF")
    privacy = " ".join(TestClient(app).get("/privacy").text.split())
    assert "each module you completed in each round, with its date" in privacy
    assert "how many modules you completed" not in privacy
    cycles = hr_client.get(f"/hr/people/{ana.id}").text.split('id="person-cycles"')[1]
    first = app.state.catalog.modules[0]
    assert f"{first.title} ({format_date(months_ago(2))})" in cycles
