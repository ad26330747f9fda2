"""Planned sessions refuse bad input with clear messages, belong to their facilitator (and
admins), open once from the plan on the day, and end with the summary e-mailed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.config import Settings
from app.models import LivePlan, LiveSession, OutboxMessage, User
from tests.concurrency import at_once
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.live.conftest import Live, join, vote
from tests.live.plan_helpers import planned
from tests.live.planning.helpers import delivered, form


def plans(session: Session) -> int:
    return session.exec(select(func.count()).select_from(LivePlan)).one()


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"day": (date.today() - timedelta(days=1)).isoformat()}, "has passed"),
        ({"day": "2027-02-30"}, "Date: enter a date such as 2027-03-15."),
        ({"time": "25:00"}, "Time: enter a time such as 09:30"),
        ({"scenario": ["standup", "nope"]}, "“nope” is not a scenario of First steps."),
        ({"scenario": []}, "Choose at least one of this module&#39;s scenarios."),
        ({"headcount": "0"}, "People you expect: enter 1 or more."),
        ({"headcount": "100000"}, "People you expect: enter 1000 or less."),
        ({"minutes": "7"}, "Choose one of the offered lengths."),
        ({"invitee": ["999999"]}, "Someone chosen is not in the course."),
        ({"department": "abc"}, "Choose a department from the list."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client: TestClient, facilitator: User, session: Session, over: dict[str, Any], message: str
) -> None:
    refused = client.post("/live/plans", data=form(client, **over))
    assert refused.status_code == 422
    assert message in refused.text
    assert plans(session) == 0 and session.exec(select(OutboxMessage)).first() is None


def test_an_unknown_module_is_refused_and_the_form_offers_the_modules(
    client: TestClient, facilitator: User, session: Session
) -> None:
    refused = client.post("/live/plans", data=form(client, module_id="no-such-module"))
    assert refused.status_code == 422
    assert "There is no module with that id" in refused.text
    assert '<select id="module_id" name="module_id">' in refused.text
    assert plans(session) == 0


def test_an_invitee_who_left_is_refused_by_name(
    client: TestClient, facilitator: User, session: Session
) -> None:
    gone = make_user(session, "gone@example.com", name="Gone Person", active=False)
    stays = make_user(session, "stays@example.com", name="Stays")
    refused = client.post("/live/plans", data=form(client, invitee=[str(stays.id), str(gone.id)]))
    assert refused.status_code == 422
    assert "Gone Person has left and cannot be invited" in refused.text
    assert plans(session) == 0


def test_leavers_are_not_offered_on_the_form(
    client: TestClient, facilitator: User, session: Session
) -> None:
    make_user(session, "gone@example.com", name="Gone Person", active=False)
    page = client.get("/live/plans/new?module_id=first-steps").text
    assert "gone@example.com" not in page and "fay@example.com" in page


def other_facilitator(app: FastAPI, session: Session, role: str = "facilitator") -> TestClient:
    make_user(session, f"{role}2@example.com", name="Other", role=role)
    browser = TestClient(app, follow_redirects=False)
    assert login(browser, f"{role}2@example.com").status_code == 303  # type: ignore[attr-defined]
    return browser


def test_another_facilitator_can_neither_see_edit_cancel_nor_open_the_plan(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    plan_id = planned(session, "fay@example.com", hours_ahead=1)
    other = other_facilitator(app, session)
    token = csrf_from(other.get("/live").text)
    assert other.get(f"/live/plans/{plan_id}").status_code == 403
    edit = form(other, "/live/plans/new?module_id=first-steps", sequence="0")
    assert other.post(f"/live/plans/{plan_id}", data=edit).status_code == 403
    cancel = {"csrf_token": token, "sequence": "0"}
    assert other.post(f"/live/plans/{plan_id}/cancel", data=cancel).status_code == 403
    opened = other.post(f"/live/plans/{plan_id}/open", data={"csrf_token": token})
    assert opened.status_code == 403
    assert "Only the facilitator who planned this session" in opened.text
    stored = session.exec(select(LivePlan)).one()
    assert (stored.sequence, stored.cancelled_at, stored.session_id) == (0, None, None)
    assert "Change, cancel or open" not in other.get("/live/plans").text


def test_an_admin_may_open_a_facilitators_plan_which_stays_the_facilitators(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    plan_id = planned(session, "fay@example.com", hours_ahead=1)
    admin = other_facilitator(app, session, role="admin")
    token = csrf_from(admin.get("/live").text)
    opened = admin.post(f"/live/plans/{plan_id}/open", data={"csrf_token": token})
    assert opened.status_code == 303
    live = session.exec(select(LiveSession)).one()
    assert live.facilitator_id == facilitator.id
    assert client.get(opened.headers["location"]).status_code == 200  # Fay runs it


def test_opening_makes_the_session_from_the_plan_once(
    client: TestClient, facilitator: User, session: Session
) -> None:
    plan_id = planned(session, "fay@example.com", hours_ahead=2)
    token = csrf_from(client.get("/live").text)
    first = client.post(f"/live/plans/{plan_id}/open", data={"csrf_token": token})
    second = client.post(f"/live/plans/{plan_id}/open", data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    live = session.exec(select(LiveSession)).one()
    assert (live.scenario_list, live.headcount, live.module_id) == (
        ["standup", "review"],
        12,
        "first-steps",
    )
    assert "Change, cancel or open" not in client.get("/live/plans").text
    token = csrf_from(client.get(f"/live/plans/{plan_id}").text)
    late = client.post(f"/live/plans/{plan_id}/cancel", data={"csrf_token": token, "sequence": "0"})
    assert late.status_code == 422 and "already been opened" in late.text


def test_a_plan_cannot_be_opened_days_ahead_or_once_cancelled(
    client: TestClient, facilitator: User, session: Session
) -> None:
    plan_id = planned(session, "fay@example.com", hours_ahead=48)
    token = csrf_from(client.get("/live").text)
    early = client.post(f"/live/plans/{plan_id}/open", data={"csrf_token": token})
    assert early.status_code == 422 and "from 12 hours before it starts" in early.text
    soon = planned(session, "fay@example.com", hours_ahead=1)
    assert (
        client.post(
            f"/live/plans/{soon}/cancel", data={"csrf_token": token, "sequence": "0"}
        ).status_code
        == 303
    )
    gone = client.post(f"/live/plans/{soon}/open", data={"csrf_token": token})
    assert gone.status_code == 422 and "was cancelled" in gone.text
    assert session.exec(select(LiveSession)).first() is None


def test_the_facilitator_gets_the_summary_by_email_without_any_vote_under_five(
    app: FastAPI, live: Live, settings: Settings, inbox: Inbox
) -> None:
    phones = [join(app, live.code) for _ in range(6)]
    live.go(1)
    while live.phase() not in ("vote", "voting", "show"):
        live.go(1)
    for phone in phones[:5]:
        assert vote(phone, live.code, "standup", "credit").status_code in (200, 204, 303)
    assert vote(phones[5], live.code, "standup", "silent").status_code in (200, 204, 303)
    assert live.step("end").status_code == 303
    (message,) = [m for m in delivered(settings, inbox) if m["To"] == "fay@example.com"]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert message["Subject"] == "Summary: group session on First steps"
    assert "6 people joined." in body
    assert "The stand-up: 6 voted" in body and "83% (5)" in body and "17% (1)" in body
    assert "The review: 0 voted" in body and "Not enough votes to show" in body
    assert f"https://learn.example.com/live/{live.id}/summary" in body


def test_no_summary_for_a_session_ended_in_the_lobby(
    live: Live, settings: Settings, inbox: Inbox
) -> None:
    assert live.step("end").status_code == 303
    assert delivered(settings, inbox) == []


def test_two_opens_at_once_make_one_session(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    plan_id = planned(session, "fay@example.com", hours_ahead=1)
    second = TestClient(app, follow_redirects=False)
    assert login(second, "fay@example.com").status_code == 303  # type: ignore[attr-defined]
    tokens = [csrf_from(c.get("/live").text) for c in (client, second)]
    url = f"/live/plans/{plan_id}/open"
    answers = at_once(
        lambda: client.post(url, data={"csrf_token": tokens[0]}),
        lambda: second.post(url, data={"csrf_token": tokens[1]}),
    )
    assert sorted(a.status_code for a in answers) in ([303, 303], [303, 422])
    assert session.exec(select(func.count()).select_from(LiveSession)).one() == 1
