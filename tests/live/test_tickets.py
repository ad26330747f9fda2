"""Every waiting phone can be reached by its ticket (outside test F2), and a phone turned away
by mistake can be let in again (U1)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import write_session
from app.errors import Conflict
from app.live import admission
from app.live.stage import SHOWN_WAITING
from app.models import LiveParticipant, LiveSession, User
from tests.conftest import csrf_from
from tests.live.conftest import Live, join, signed_in, start_session
from tests.security.test_vote_stuffing import _in_threads

TICKET = re.compile(r'class="join-code ticket">(\w{4})<')
LISTED = re.compile(r'class="ticket">Phone (\w{4})<')


def _ticket(app: FastAPI, live: Live, phone: TestClient) -> str:
    found = TICKET.search(phone.get(f"/j/{live.code}").text)
    assert found, "the phone shows no ticket"
    return found.group(1)


def _by_ticket(
    live: Live, ticket: str, decision: str = "let_in", view: str = "session", **headers: str
):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf_from(live.controls()), "ticket": ticket, "decision": decision}
    return live.client.post(
        f"/live/{live.id}/admission/ticket", data=data | {"view": view}, headers=headers
    )


def _state(session: Session, live: Live, ticket: str) -> str:
    session.expire_all()
    rows = session.exec(
        select(LiveParticipant.token_hash, LiveParticipant.state).where(
            LiveParticipant.session_id == live.id
        )
    ).all()
    states = [state for digest, state in rows if digest[:4].upper() == ticket]
    assert len(states) == 1, states
    return states[0]


def _admitted(session: Session, live: Live) -> int:
    session.expire_all()
    return session.exec(select(LiveSession.admitted).where(LiveSession.id == live.id)).one()


def test_the_thirteenth_waiting_phone_is_let_in_by_its_ticket_in_any_case(
    app: FastAPI, live: Live, session: Session
) -> None:
    full = start_session(live.client, headcount=1)
    join(app, full.code)  # the room is full
    phones = [join(app, full.code) for _ in range(SHOWN_WAITING + 8)]
    tickets = [_ticket(app, full, phone) for phone in phones]
    page = full.controls()
    assert "20 waiting to join" in page
    assert LISTED.findall(page) == tickets[:SHOWN_WAITING]
    assert "8 more waiting are not listed; find a ticket by its number." in page
    assert '<label for="admission-ticket-session"' in page and 'name="ticket"' in page
    late = tickets[SHOWN_WAITING]
    assert late not in LISTED.findall(page)
    typed = f" {late[:2].lower()}-{late[2:]} "  # lower case, a dash, spaces: as people type it
    assert _by_ticket(full, typed).status_code == 303
    assert _state(session, full, late) == "in" and _admitted(session, full) == 2
    assert "You're in" in phones[SHOWN_WAITING].get(f"/j/{full.code}").text
    assert "7 more waiting are not listed" in full.controls()
    last = tickets[-1]
    assert (
        _by_ticket(full, last, "turn_away", view="remote")
        .headers["location"]
        .endswith(f"/live/{full.id}/remote")
    )
    assert _state(session, full, last) == "denied" and _admitted(session, full) == 2
    assert "6 more waiting are not listed" in full.controls()


def test_unknown_ticket_and_another_rooms_ticket_change_nothing(
    app: FastAPI, live: Live, session: Session
) -> None:
    mine = start_session(live.client, headcount=None)
    waiting = _ticket(app, mine, join(app, mine.code))
    other, _ = signed_in(app, session, "otto@example.com", role="facilitator")
    theirs = start_session(other, headcount=None)
    stranger = _ticket(app, theirs, join(app, theirs.code))
    if stranger == waiting:  # 1 in 65,536: another phone in the other room
        stranger = _ticket(app, theirs, join(app, theirs.code))
    for typed, said in (
        (stranger, f"No phone in this session shows {stranger}."),
        ("0000" if waiting != "0000" else "0001", "No phone in this session shows"),
        ("ZZZZ", "Type the 4 characters the phone shows"),
        ("", "Type the 4 characters the phone shows"),
        ("12345", "Type the 4 characters the phone shows"),
    ):
        refused = _by_ticket(mine, typed)
        assert refused.status_code == 422, typed
        assert said in refused.text, refused.text
        error = re.search(
            r'<span class="field-error" id="admission-ticket-session-error">', refused.text
        )
        assert error, "the message is not by the field"
        assert (
            'aria-describedby="admission-ticket-session-error admission-ticket-session-hint"'
            in (refused.text)
        )
        assert '<a href="#admission-ticket-session">' in refused.text  # the summary links to it
    assert _state(session, mine, waiting) == "waiting"
    assert _state(session, theirs, stranger) == "waiting"
    assert _by_ticket(mine, waiting).status_code == 303
    again = _by_ticket(mine, waiting)
    assert again.status_code == 409 and f"Phone {waiting} is already in." in again.text
    assert _admitted(session, mine) == 1


def test_a_learner_or_another_facilitator_cannot_use_the_ticket_form(
    app: FastAPI, live: Live, session: Session
) -> None:
    mine = start_session(live.client, headcount=None)
    waiting = _ticket(app, mine, join(app, mine.code))
    for email, role in (("lee@example.com", "learner"), ("otto@example.com", "facilitator")):
        browser, _ = signed_in(app, session, email, role=role)
        token = csrf_from(browser.get("/account").text)
        data = {"csrf_token": token, "ticket": waiting, "decision": "let_in", "view": "session"}
        assert browser.post(f"/live/{mine.id}/admission/ticket", data=data).status_code == 403
    assert _state(session, mine, waiting) == "waiting" and _admitted(session, mine) == 0


def test_two_windows_letting_in_the_same_ticket_at_once_let_it_in_once(
    app: FastAPI, live: Live, facilitator: User, session: Session
) -> None:
    full = start_session(live.client, headcount=1)
    join(app, full.code)
    waiting = _ticket(app, full, join(app, full.code))

    def press() -> Callable[[], object]:
        def job() -> object:
            with write_session(app.state.engine) as s:
                return admission.decide_ticket(
                    s, user=facilitator, session_id=full.id, raw=waiting, let_in=True
                )

        return job

    results = _in_threads([press(), press(), press()])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Conflict", "str"], results
    assert all(isinstance(r, (str, Conflict)) for r in results)
    assert _state(session, full, waiting) == "in" and _admitted(session, full) == 2


def test_a_phone_turned_away_by_mistake_is_let_in_again(
    app: FastAPI, live: Live, session: Session
) -> None:
    full = start_session(live.client, headcount=1)
    join(app, full.code)
    phone = join(app, full.code)
    ticket = _ticket(app, full, phone)
    assert _by_ticket(full, ticket, "turn_away").status_code == 303
    denied = phone.get(f"/j/{full.code}").text
    assert "Not let in" in denied and f'class="join-code ticket">{ticket}<' in denied
    page = full.controls()
    assert "1 turned away" in page and 'name="ticket"' in page  # the form stays for undoing
    twice = _by_ticket(full, ticket.lower(), "turn_away")
    assert twice.status_code == 409 and f"Phone {ticket} was already turned away." in twice.text
    undone = _by_ticket(full, ticket, **{"HX-Request": "true"})
    assert undone.status_code == 200
    assert "Phone " + ticket + " let in." in undone.headers["HX-Trigger-After-Settle"]
    assert 'id="admission-forms"' in undone.text and "<html" not in undone.text
    assert _state(session, full, ticket) == "in" and _admitted(session, full) == 2
    assert "You're in" in phone.get(f"/j/{full.code}").text
