"""Joining from a phone, anonymity of the join, reconnects, late joiners and cheap polling."""

from __future__ import annotations

import html
import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import Session, select

from app.live import participant
from app.models import LiveAttendance, LiveParticipant, LiveVote
from app.security import token_digest
from tests.conftest import csrf_from
from tests.live.conftest import TO_REVEAL_1, TO_SHOW_1, TO_VOTE_1, Live, join, signed_in, vote

HX = {"HX-Request": "true"}


def test_joining_needs_no_account_and_sets_an_httponly_token_stored_hashed(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = TestClient(app, follow_redirects=False)
    invite = phone.get(f"/j/{live.code.lower()}")
    assert invite.status_code == 200 and "Join the session" in invite.text
    assert "anonymous" in invite.text
    assert 'name="attendance"' not in invite.text  # nothing to record without an account
    join(app, live.code, phone)
    cookie = next(c for c in phone.cookies.jar if c.name == participant.COOKIE)
    phone_row = session.exec(select(LiveParticipant)).one()
    assert phone_row.token_hash == token_digest(cookie.value)
    assert cookie.value not in phone_row.token_hash
    assert cookie.path == "/j"
    assert "You're in" in phone.get(f"/j/{live.code}").text


def test_join_cookie_is_httponly_and_samesite(app: FastAPI, live: Live) -> None:
    phone = TestClient(app, follow_redirects=False)
    token = csrf_from(phone.get(f"/j/{live.code}").text)
    response = phone.post(f"/j/{live.code}/join", data={"csrf_token": token})
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{participant.COOKIE}=")
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Path=/j" in set_cookie


def test_participant_table_has_no_link_to_people() -> None:
    columns = {c.name for c in LiveParticipant.__table__.columns}  # type: ignore[attr-defined]
    # voter_key is HMAC(per-session secret, user id), set only in sign-in-to-vote sessions
    assert columns == {"id", "session_id", "token_hash", "state", "voter_key"}
    vote_columns = {c.name for c in LiveVote.__table__.columns}  # type: ignore[attr-defined]
    assert "user_id" not in vote_columns and not any(c[-2:] == "at" for c in vote_columns)


def test_signed_in_attendance_is_recorded_apart_from_votes(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, user = signed_in(app, session)
    assert 'name="attendance"' in phone.get(f"/j/{live.code}").text
    join(app, live.code, phone, attendance="yes")
    live.go(TO_VOTE_1)
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    attendance = session.exec(select(LiveAttendance)).one()
    assert (attendance.session_id, attendance.user_id) == (live.id, user.id)
    stored = session.exec(select(LiveVote)).one()
    phone_row = session.get(LiveParticipant, stored.participant_id)
    assert phone_row is not None
    foreign = inspect(session.get_bind()).get_foreign_keys("liveattendance")
    assert {f["referred_table"] for f in foreign} == {"livesession", "user"}


def test_signed_in_person_may_join_without_recording_attendance(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone, _ = signed_in(app, session)
    join(app, live.code, phone)  # box left unticked
    assert session.exec(select(LiveAttendance)).first() is None
    assert len(session.exec(select(LiveParticipant)).all()) == 1


def test_reload_keeps_the_current_step_and_own_vote(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    vote(phone, live.code, "standup", "private")
    page = phone.get(f"/j/{live.code}").text
    assert 'value="private" class="vote-button is-mine" aria-pressed="true"' in page
    assert "Your vote is in" in page


def test_lost_connection_then_new_client_with_same_cookie_gets_same_participant(
    app: FastAPI, live: Live, session: Session
) -> None:
    phone = join(app, live.code)
    live.go(TO_VOTE_1)
    vote(phone, live.code, "standup", "credit")
    again = TestClient(app, follow_redirects=False, cookies=dict(phone.cookies))
    rejoin = (
        join(app, live.code, again)
        if "Join the session" in again.get(f"/j/{live.code}").text
        else again
    )
    page = rejoin.get(f"/j/{live.code}").text
    assert "is-mine" in page and 'value="credit"' in page
    assert len(session.exec(select(LiveParticipant)).all()) == 1


def test_late_joiner_lands_on_the_current_step(app: FastAPI, live: Live) -> None:
    live.go(TO_SHOW_1)
    late = join(app, live.code)
    page = late.get(f"/j/{live.code}").text
    assert "The stand-up" in page and 'name="choice"' in page  # voting opens with the scenario
    live.go(TO_REVEAL_1 - TO_SHOW_1)
    assert "Strongest response" in join(app, live.code).get(f"/j/{live.code}").text


def test_poll_answers_304_until_the_step_changes(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    first = phone.get(f"/j/{live.code}", headers=HX)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.text.lstrip().startswith('<section id="room"')
    assert first.headers["cache-control"] == "no-store"
    assert "server-timing" in first.headers
    same = phone.get(f"/j/{live.code}", headers=HX | {"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    live.step("next")
    changed = phone.get(f"/j/{live.code}", headers=HX | {"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Ground rules" in changed.text


def test_poll_fragment_carries_its_etag_for_the_next_poll(app: FastAPI, live: Live) -> None:
    phone = join(app, live.code)
    fragment = phone.get(f"/j/{live.code}", headers=HX)
    etag = fragment.headers["etag"]
    assert 'hx-trigger="every 1s, countdown-ended, live:changed"' in fragment.text
    headers = re.search(r"hx-headers='([^']*)'", fragment.text)
    assert headers and json.loads(html.unescape(headers.group(1))) == {"If-None-Match": etag}


def test_page_without_javascript_has_a_refresh_link_and_no_meta_refresh(
    app: FastAPI, live: Live
) -> None:
    page = join(app, live.code).get(f"/j/{live.code}").text
    assert f'<a href="/j/{live.code}">Refresh</a>' in page
    assert "http-equiv" not in page.lower()


def test_presenter_poll_changes_etag_as_people_join_and_vote(app: FastAPI, live: Live) -> None:
    etag = live.present(**HX).headers["etag"]
    assert live.present(**HX, **{"If-None-Match": etag}).status_code == 304
    join(app, live.code)
    assert live.present(**HX, **{"If-None-Match": etag}).status_code == 200


def test_phone_sees_thank_you_and_stops_polling_once_the_session_ended(
    app: FastAPI, live: Live
) -> None:
    phone = join(app, live.code)
    live.step("end")
    page = phone.get(f"/j/{live.code}").text
    assert "Thank you" in page
    assert "hx-trigger" not in page and "hx-trigger" not in live.present().text
