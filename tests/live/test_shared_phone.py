"""A phone handed on in a "sign in to vote" room: the room is the signed-in person's, not the phone's."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import LiveAttendance, LiveParticipant, LiveVote, User
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.live.conftest import TO_VOTE_1, join, page_token, signed_in, start_session, vote


def _sign_out(phone: TestClient) -> None:
    page = phone.get("/")
    assert phone.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 303


def test_signing_out_takes_the_phone_out_of_a_sign_in_to_vote_room(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    phone, _ = signed_in(app, session, "lee@example.com")
    join(app, live.code, phone)
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    _sign_out(phone)
    page = phone.get(f"/j/{live.code}")
    assert page.status_code == 200
    assert 'aria-pressed="true"' not in page.text and "credit" not in page.text
    assert f"/login?next=/j/{live.code}" in page.text  # asked to sign in, not in the room
    # A vote sent from the signed-out phone (its room cookie is still there) is refused.
    data = {"csrf_token": page_token(page.text), "scenario_id": "standup", "choice": "silent"}
    refused = phone.post(f"/j/{live.code}/vote", data=data)
    assert refused.status_code == 404 and "Join the session" in refused.text
    # Joining again needs a sign-in.
    rejoin = phone.post(f"/j/{live.code}/join", data={"csrf_token": page_token(page.text)})
    assert rejoin.status_code == 403 and "sign in to join" in rejoin.text
    assert session.exec(select(LiveVote.choice_id)).all() == ["credit"]


def test_the_next_person_on_the_phone_joins_as_themselves_and_keeps_the_first_vote(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    phone, _ = signed_in(app, session, "lee@example.com")
    join(app, live.code, phone)
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    _sign_out(phone)
    make_user(session, "noor@example.com", name="Noor")
    assert login(phone, "noor@example.com").status_code == 303  # type: ignore[attr-defined]
    invite = phone.get(f"/j/{live.code}").text
    assert "Join the session" in invite and 'aria-pressed="true"' not in invite
    assert 'name="attendance"' in invite  # Noor is asked for her own choice
    join(app, live.code, phone)
    room = phone.get(f"/j/{live.code}").text
    assert 'aria-pressed="true"' not in room  # Lee's vote is not shown to Noor
    assert vote(phone, live.code, "standup", "silent").status_code == 303
    assert sorted(session.exec(select(LiveVote.choice_id)).all()) == ["credit", "silent"]
    assert len(session.exec(select(LiveParticipant)).all()) == 2
    # Lee signing in again on the same phone is Lee again, with Lee's vote; Noor's stays.
    _sign_out(phone)
    assert login(phone, "lee@example.com").status_code == 303  # type: ignore[attr-defined]
    join(app, live.code, phone)
    again = phone.get(f"/j/{live.code}").text
    assert again.count('aria-pressed="true"') == 1
    assert sorted(session.exec(select(LiveVote.choice_id)).all()) == ["credit", "silent"]


def test_an_open_room_keeps_a_phone_in_whoever_signs_in_or_out(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30)
    phone, _ = signed_in(app, session, "lee@example.com")
    join(app, live.code, phone)
    _sign_out(phone)
    assert "You're in" in phone.get(f"/j/{live.code}").text  # anonymous rooms follow the phone


def test_attendance_is_recorded_only_when_the_person_ticks_it(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    phone, _ = signed_in(app, session, "lee@example.com")
    invite = phone.get(f"/j/{live.code}").text
    box = re.search(r"<input[^>]*id=\"attendance\"[^>]*>", invite)
    assert box is not None and "checked" not in box.group(0)  # unticked until the person ticks it
    join(app, live.code, phone)  # the form as sent without touching the box
    assert session.exec(select(LiveAttendance)).first() is None
    other, noor = signed_in(app, session, "noor@example.com")
    join(app, live.code, other, attendance="yes")
    assert [row.user_id for row in session.exec(select(LiveAttendance)).all()] == [noor.id]
