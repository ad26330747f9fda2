"""Who may listen to a room's event stream: only phones let in, and the room's facilitator."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.live.stream_routes import NOT_JOINED
from app.models import User
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.live.conftest import Live, join, signed_in, start_session


def test_stream_refuses_a_phone_without_the_room_cookie(app: FastAPI, live: Live) -> None:
    stranger = TestClient(app, follow_redirects=False)
    assert stranger.get(f"/j/{live.code}/events").status_code == 404
    stranger.cookies.set("allyship_live", "a-made-up-token", path="/j")
    assert stranger.get(f"/j/{live.code}/events").status_code == 404


def test_stream_refuses_a_phone_of_another_room(
    app: FastAPI, client: TestClient, live: Live
) -> None:
    other = start_session(client)
    phone = join(app, other.code)
    assert phone.get(f"/j/{live.code}/events").status_code == 404


def test_stream_refuses_a_phone_still_waiting_to_be_let_in(
    app: FastAPI, client: TestClient, facilitator: User
) -> None:
    room = start_session(client, headcount=1)
    join(app, room.code)
    waiting = join(app, room.code)
    assert "Waiting" in waiting.get(f"/j/{room.code}").text
    assert waiting.get(f"/j/{room.code}/events").status_code == 404


def test_stream_refuses_odd_codes_with_the_same_answer(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    for code in ("0000O0", "x" * 10_000, "ABC", "ÄBCDEF"):
        assert phone.get(f"/j/{code}/events").status_code == 404


def test_stream_of_an_ended_room_answers_204_so_browsers_stop(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    assert live.step("end").status_code == 303
    for answer in (phone.get(f"/j/{live.code}/events"), live.client.get(f"/live/{live.id}/events")):
        assert answer.status_code == 204 and answer.content == b""


def test_control_stream_is_for_the_rooms_facilitator_only(
    app: FastAPI, session: Session, live: Live
) -> None:
    path = f"/live/{live.id}/events"
    learner, _ = signed_in(app, session, "lee@example.com", "learner")
    assert learner.get(path).status_code == 403
    other, _ = signed_in(app, session, "ola@example.com", "facilitator")
    assert other.get(path).status_code == 403
    nobody = TestClient(app, follow_redirects=False).get(path)
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/login")
    phone = join(app, live.code)  # a phone in the room is no facilitator
    assert phone.get(path).status_code in (303, 401, 403)
    assert live.client.get(f"/live/{live.id + 1000}/events").status_code == 404


def test_stream_in_a_sign_in_room_is_only_for_the_person_who_joined_on_the_phone(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    room = start_session(client, headcount=30, signin_to_vote="yes")
    phone, _ = signed_in(app, session, "lee@example.com")
    join(app, room.code, phone)
    path = f"/j/{room.code}/events"
    page = phone.get("/")
    assert phone.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 303
    signed_out = phone.get(path)  # the room cookie alone, as the vote: not joined
    assert signed_out.status_code == 404 and NOT_JOINED in signed_out.text
    make_user(session, "noor@example.com", name="Noor")
    assert login(phone, "noor@example.com").status_code == 303  # type: ignore[attr-defined]
    other = phone.get(path)  # another account on the same browser
    assert other.status_code == 404 and NOT_JOINED in other.text
