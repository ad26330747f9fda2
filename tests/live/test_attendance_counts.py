"""Attendance that counts: HR's person page, the export and the sessions list show it; the
lesson is credited as the join page and help promise; never votes or commitments."""

from __future__ import annotations

import csv
import io
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import LessonProgress, User
from tests.conftest import login
from tests.factories import make_user
from tests.live.conftest import Live, join, signed_in, start_session, vote


def hr(app: FastAPI, session: Session) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    make_user(session, "hana@example.com", name="Hana HR", role="hr")
    assert login(client, "hana@example.com").status_code == 303  # type: ignore[attr-defined]
    return client


def attend(app: FastAPI, session: Session, live: Live, email: str) -> tuple[TestClient, User]:
    phone, user = signed_in(app, session, email)
    join(app, live.code, phone, attendance="yes")
    return phone, user


def long_export(client: TestClient) -> list[dict[str, str]]:
    text = client.get("/hr/people/export.csv?kind=long").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_attendee_shows_on_the_hr_person_page_with_date_module_facilitator(
    app: FastAPI, live: Live, session: Session
) -> None:
    _, lee = attend(app, session, live, "lee@example.com")
    live.go(1)
    live.step("end")
    page = hr(app, session).get(f"/hr/people/{lee.id}").text
    table = page.split('id="person-sessions"', 1)[1].split("</table>", 1)[0]
    assert "First steps" in table and "Fay Facilitator" in table
    assert "Yes: lesson read" in table


def test_a_person_who_did_not_tick_attendance_has_no_session_on_their_page(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, lee = signed_in(app, session, "lee@example.com")
    join(app, live.code, phone)  # the box left unticked
    live.go(1)
    live.step("end")
    page = hr(app, session).get(f"/hr/people/{lee.id}").text
    assert 'id="person-sessions"' not in page
    assert "No group sessions recorded." in page
    assert session.exec(select(LessonProgress)).first() is None


def test_a_session_ended_in_the_lobby_is_not_shown_as_attended(
    app: FastAPI, live: Live, session: Session
) -> None:
    _, lee = attend(app, session, live, "lee@example.com")
    live.step("end")
    page = hr(app, session).get(f"/hr/people/{lee.id}").text
    assert "No group sessions recorded." in page


def test_an_open_session_says_it_counts_when_it_ends(
    app: FastAPI, live: Live, session: Session
) -> None:
    _, lee = attend(app, session, live, "lee@example.com")
    live.go(1)
    page = hr(app, session).get(f"/hr/people/{lee.id}").text
    assert "When the session ends" in page.split('id="person-sessions"', 1)[1]


def test_no_credit_when_turned_off_is_said_on_the_person_page_and_join_page(
    app: FastAPI, live: Live, session: Session
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"live_session_counts_for_lesson": False}
    )
    phone, lee = signed_in(app, session, "lee@example.com")
    assert "counts as reading" not in phone.get(f"/j/{live.code}").text
    join(app, live.code, phone, attendance="yes")
    live.go(1)
    live.step("end")
    table = hr(app, session).get(f"/hr/people/{lee.id}").text.split('id="person-sessions"')[1]
    assert "<td>No</td>" in table.split("</table>")[0]


def test_join_and_help_pages_say_what_attendance_counts_for(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, _ = signed_in(app, session, "lee@example.com")
    assert "counts as reading this module's lesson" in phone.get(f"/j/{live.code}").text
    assert "counts as reading that module's lesson" in phone.get("/help").text


def test_the_long_export_counts_held_sessions_per_module(
    app: FastAPI, client: TestClient, live: Live, session: Session
) -> None:
    attend(app, session, live, "lee@example.com")
    live.go(1)
    live.step("end")
    second = start_session(client)
    join(app, second.code, TestClient(app, follow_redirects=False))
    attend_again = TestClient(app, follow_redirects=False)
    assert login(attend_again, "lee@example.com").status_code == 303  # type: ignore[attr-defined]
    join(app, second.code, attend_again, attendance="yes")
    second.go(1)
    rows = long_export(hr(app, session))
    mine = {r["module_id"]: r for r in rows if r["email"] == "lee@example.com"}
    assert mine["first-steps"]["group_sessions"] == "2"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", mine["first-steps"]["last_group_session_on"])
    assert mine["first-steps"]["lesson_read_on"]  # the first session's end credited the lesson
    others = [
        r for r in rows if r["email"] == "lee@example.com" and r["module_id"] != "first-steps"
    ]
    assert all(r["group_sessions"] == "0" for r in others)


def test_hr_sessions_list_has_date_module_facilitator_and_small_counts(
    app: FastAPI, live: Live, session: Session
) -> None:
    attend(app, session, live, "lee@example.com")
    phone = join(app, live.code)
    live.go(3)
    vote(phone, live.code, "standup", "credit")
    live.step("end")
    page = hr(app, session).get("/hr/sessions").text
    row = page.split('id="hr-sessions"', 1)[1].split("</table>", 1)[0]
    assert "First steps" in row and "Fay Facilitator" in row
    # 2 phones, 1 signed-in attendee: counts of people are shown even under 5.
    assert '<td class="num">2</td><td class="num">1</td>' in row
    assert "credit" not in row.lower()  # no choice, no vote figure


def test_hr_sessions_list_is_for_hr_only(app: FastAPI, live: Live, session: Session) -> None:
    phone, _ = signed_in(app, session, "lee@example.com")
    assert phone.get("/hr/sessions").status_code == 403
    assert live.client.get("/hr/sessions").status_code == 403
