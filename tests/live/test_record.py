"""The record: lesson credit for signed-in attendees, private commitments, summaries, HR figures."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, select

from app.clock import utcnow
from app.live.reports import sessions_summary
from app.live.summary import _cell
from app.models import Commitment, Completion, LessonProgress, LiveSession, User
from tests.conftest import csrf_from
from tests.live.conftest import (
    TO_REVEAL_1,
    TO_SHOW_1,
    TO_VOTE_1,
    TO_WRAPUP,
    Live,
    join,
    signed_in,
    start_session,
    vote,
)


def attendee(
    app: FastAPI, session: Session, live: Live, email: str = "lee@example.com"
) -> tuple[TestClient, User]:
    phone, user = signed_in(app, session, email)
    join(app, live.code, phone, attendance="yes")
    return phone, user


def test_ending_a_held_session_counts_toward_the_lesson(
    app: FastAPI, live: Live, session: Session
) -> None:
    _, user = attendee(app, session, live)
    live.go(TO_SHOW_1)
    live.step("end")
    progress = session.exec(select(LessonProgress).where(LessonProgress.user_id == user.id)).one()
    assert (progress.module_id, progress.via) == ("first-steps", "group-session")
    assert progress.completed_at is not None


def test_lesson_credit_completes_the_module_when_the_quiz_is_passed(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, user = attendee(app, session, live)
    page = phone.get("/modules/first-steps/quiz").text
    form = {
        "csrf_token": csrf_from(page),
        "quiz_hash": re.search(r'name="quiz_hash" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "submission_id": "s1",
        "answer-standup": "credit",
        "answer-review": "finish",
    }
    assert phone.post("/modules/first-steps/quiz", data=form).status_code == 303
    live.go(TO_SHOW_1)
    live.step("end")
    completion = session.exec(select(Completion).where(Completion.user_id == user.id)).one()
    assert completion.via == "group-session"


def test_no_lesson_credit_when_the_organisation_turned_it_off(
    app: FastAPI, live: Live, session: Session
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"live_session_counts_for_lesson": False}
    )
    attendee(app, session, live)
    live.go(TO_SHOW_1)
    live.step("end")
    assert session.exec(select(LessonProgress)).first() is None


def test_no_lesson_credit_for_a_session_ended_in_the_lobby(
    app: FastAPI, live: Live, session: Session
) -> None:
    attendee(app, session, live)
    live.step("end")
    assert session.exec(select(LessonProgress)).first() is None


def test_anonymous_participants_get_no_record(app: FastAPI, live: Live, session: Session) -> None:
    join(app, live.code)
    live.go(TO_SHOW_1)
    live.step("end")
    assert session.exec(select(LessonProgress)).first() is None


def test_signed_in_commitment_is_saved_privately_for_its_author(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, user = attendee(app, session, live)
    live.go(TO_WRAPUP)
    page = phone.get(f"/j/{live.code}").text
    assert "saved as your if-then plan for this module on My commitments" in page
    assert "At most 500 characters" in page  # said before typing
    data = {"situation": "Ana's idea is repeated", "action": "name her"}
    saved = phone.post(f"/j/{live.code}/commitment", data={"csrf_token": csrf_from(page), **data})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    assert "Saved as your plan for this module" in phone.get(saved.headers["location"]).text
    row = session.exec(select(Commitment)).one()
    assert (row.user_id, row.module_id, row.situation, row.action) == (
        user.id,
        "first-steps",
        "Ana's idea is repeated",
        "name her",
    )
    assert row.check_on == (utcnow() + timedelta(days=30)).date()  # its 30-day check-in
    mine = phone.get("/commitments").text
    assert "name her" in mine
    assert "name her" in phone.get("/modules/first-steps/commitment").text
    assert phone.get("/live/commitments").headers["location"] == "/commitments"
    assert "name her" not in live.present().text
    assert "name her" not in live.client.get("/commitments").text
    assert "name her" not in live.client.get(f"/live/{live.id}/summary.csv").text


def test_summary_page_and_csv_have_date_module_count_and_distributions(
    app: FastAPI, live: Live, session: Session
) -> None:
    phones = [join(app, live.code) for _ in range(5)]
    live.go(TO_VOTE_1)
    for phone, choice in zip(
        phones, ["credit", "credit", "private", "silent", "credit"], strict=True
    ):
        vote(phone, live.code, "standup", choice)
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    live.step("end")
    page = live.client.get(f"/live/{live.id}/summary")
    assert page.status_code == 200 and "data-print" in page.text
    for text in ("First steps", "Participants", "<dd>5</dd>", "The stand-up", "60%", "The review"):
        assert text in page.text
    response = live.client.get(f"/live/{live.id}/summary.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    today = utcnow().strftime("%Y-%m-%d")
    assert [
        today,
        "First steps",
        "5",
        "The stand-up",
        "5",
        "Say it was Ana's idea and let her go on.",
        "3",
        "60",
        "yes",
    ] in rows
    assert rows[-1][3:6] == ["The review", "0", "Not enough votes to show"]


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("-1+2") == "'-1+2"
    assert _cell("@SUM") == "'@SUM"
    assert _cell("Plain text") == "Plain text"
    assert _cell(5) == 5


def test_sessions_summary_counts_held_sessions_and_attendance(
    app: FastAPI, client: TestClient, live: Live, session: Session
) -> None:
    attendee(app, session, live)
    join(app, live.code)
    live.go(TO_SHOW_1)
    start_session(client)  # never leaves the lobby: not held
    report = sessions_summary(session)
    assert (report.sessions_held, report.participants, report.attendees, report.people) == (
        1,
        2,
        1,
        1,
    )
    (held,) = report.sessions
    assert (held.session_id, held.module_id, held.participants, held.attendees) == (
        live.id,
        "first-steps",
        2,
        1,
    )
    assert report.by_module == {"first-steps": 1}
    assert sessions_summary(session, since=utcnow() + timedelta(days=1)).sessions_held == 0


def test_sessions_summary_uses_a_fixed_number_of_queries(
    app: FastAPI, client: TestClient, session: Session, facilitator: User
) -> None:
    for _ in range(3):
        extra = start_session(client)
        join(app, extra.code)
        extra.go(1)
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert sessions_summary(session).sessions_held == 3
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 4
    assert session.exec(select(LiveSession)).first() is not None
