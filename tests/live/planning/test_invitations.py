"""Invitations of planned sessions: each invitee's e-mail carries an RFC 5545 calendar object,
parsed back by `icalendar`, delivered through the outbox and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import Department, LivePlan, User
from tests.factories import make_user
from tests.hr.conftest import Inbox
from tests.live.conftest import Live
from tests.live.planning.helpers import DAY, calendar_of, delivered, event_of, form, plan, starts


def people(session: Session) -> tuple[User, User]:
    lee = make_user(session, "lee@example.com", name="Lee, Jr.; Ops")
    ana = make_user(session, "ana@example.com", name="Ana Example")
    return lee, ana


def test_each_invitee_gets_a_request_that_icalendar_reads(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    lee, ana = people(session)
    plan(client, invitee=[str(lee.id), str(ana.id)])
    messages = {m["To"]: m for m in delivered(settings, inbox)}
    assert set(messages) == {"lee@example.com", "ana@example.com"}
    method, raw, cal = calendar_of(messages["lee@example.com"])
    assert method == "REQUEST" and str(cal["METHOD"]) == "REQUEST"
    event = event_of(cal)
    assert event.decoded("DTSTART") == starts()  # 09:30 in New York, as UTC
    assert "DTSTART:" + starts().strftime("%Y%m%dT%H%M%SZ") in raw
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Group session: First steps"
    attendees = event.get("ATTENDEE")
    assert str(attendees) == "mailto:lee@example.com"  # only the recipient, never the others
    assert attendees.params["CN"] == "Lee, Jr.; Ops"  # quoted parameter kept whole
    assert str(event["ORGANIZER"]) == "mailto:fay@example.com"
    uid = str(event["UID"])
    assert uid == str(event_of(calendar_of(messages["ana@example.com"])[2])["UID"])
    assert uid.endswith("@learn.example.com")
    assert all(line.endswith("\r") or not line for line in raw.split("\n")[:-1])  # CRLF lines
    body = messages["ana@example.com"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "09:30 (America/New_York)" in body and "https://learn.example.com/j" in body


def test_an_update_sends_sequence_plus_one_and_a_removed_invitee_a_cancel(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    lee, ana = people(session)
    plan_id = plan(client, invitee=[str(lee.id), str(ana.id)])
    first = {m["To"]: m for m in delivered(settings, inbox)}
    uid = str(event_of(calendar_of(first["lee@example.com"])[2])["UID"])
    inbox.messages.clear()
    page = f"/live/plans/{plan_id}"
    changed = client.post(
        page, data=form(client, page, invitee=[str(lee.id)], time="10:00", sequence="0")
    )
    assert changed.status_code == 303, changed.text
    second = {m["To"]: m for m in delivered(settings, inbox)}
    method, _, cal = calendar_of(second["lee@example.com"])
    event = event_of(cal)
    assert (method, int(event["SEQUENCE"]), str(event["UID"])) == ("REQUEST", 1, uid)
    assert event.decoded("DTSTART") == starts(DAY, "10:00")
    method, _, cal = calendar_of(second["ana@example.com"])
    assert method == "CANCEL" and str(cal["METHOD"]) == "CANCEL"
    assert int(event_of(cal)["SEQUENCE"]) == 1 and str(event_of(cal)["STATUS"]) == "CANCELLED"
    assert str(event_of(cal)["UID"]) == uid


def test_cancelling_sends_every_invitee_a_cancel_with_the_next_sequence(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    lee, ana = people(session)
    plan_id = plan(client, invitee=[str(lee.id), str(ana.id)])
    delivered(settings, inbox)
    inbox.messages.clear()
    page = client.get(f"/live/plans/{plan_id}").text
    token = form(client, f"/live/plans/{plan_id}")["csrf_token"]
    assert f'action="/live/plans/{plan_id}/cancel"' in page
    done = client.post(f"/live/plans/{plan_id}/cancel", data={"csrf_token": token, "sequence": "0"})
    assert done.status_code == 303
    sent = delivered(settings, inbox)
    assert sorted(m["To"] for m in sent) == ["ana@example.com", "lee@example.com"]
    for message in sent:
        method, _, cal = calendar_of(message)
        assert method == "CANCEL" and int(event_of(cal)["SEQUENCE"]) == 1
    assert session.exec(select(LivePlan)).one().cancelled_at is not None
    again = client.post(
        f"/live/plans/{plan_id}/cancel", data={"csrf_token": token, "sequence": "1"}
    )
    assert again.status_code == 422 and "was cancelled" in again.text


def test_a_department_is_invited_without_its_leavers(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    ops = Department(name="Operations")
    session.add(ops)
    session.commit()
    make_user(session, "one@example.com", name="One", department=ops)
    make_user(session, "two@example.com", name="Two", department=ops)
    make_user(session, "gone@example.com", name="Gone", department=ops, active=False)
    plan(client, department=str(ops.id))
    assert sorted(m["To"] for m in delivered(settings, inbox)) == [
        "one@example.com",
        "two@example.com",
    ]


def test_two_edits_of_the_same_version_apply_once(
    client: TestClient, facilitator: User, session: Session, settings: Settings, inbox: Inbox
) -> None:
    lee, _ = people(session)
    plan_id = plan(client, invitee=[str(lee.id)])
    page = f"/live/plans/{plan_id}"
    one = client.post(
        page, data=form(client, page, invitee=[str(lee.id)], time="11:00", sequence="0")
    )
    two = client.post(
        page, data=form(client, page, invitee=[str(lee.id)], time="12:00", sequence="0")
    )
    assert one.status_code == 303
    assert two.status_code == 409 and "changed this planned session meanwhile" in two.text
    assert 'value="11:00"' in two.text  # the form shows the plan as it is now
    stored = session.exec(select(LivePlan)).one()
    session.refresh(stored)
    assert stored.sequence == 1 and stored.starts_at.astimezone(UTC) == starts(DAY, "11:00")
    sequences = [int(event_of(calendar_of(m)[2])["SEQUENCE"]) for m in delivered(settings, inbox)]
    assert sorted(sequences) == [0, 1]  # the invitation and one update, never two updates at 1


def test_an_attendee_with_the_live_fixture_does_not_need_smtp(live: Live, app: FastAPI) -> None:
    assert live.code  # the live fixtures still work in this folder (settings overridden)
