"""One phone cannot stuff a live vote (issue 13, finding 5).

Four cookie-less joins from one laptop plus one real participant used to reach the 5-vote
threshold and expose the real voter. Now: phones beyond the expected headcount wait for the
facilitator; "sign in to vote" counts one vote per person and stays unlinkable once the
session ends; limits are per session (a room behind one NAT joins), and guessing codes is
throttled per address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlmodel import Session, func, select

from app.clock import utcnow
from app.db import write_session
from app.errors import Conflict
from app.live import admission, participant
from app.models import LiveParticipant, LiveSession, LiveVote, User
from app.security import CODE_ALPHABET
from tests.conftest import csrf_from, login
from tests.factories import make_user
from tests.live.conftest import (
    TO_REVEAL_1,
    TO_VOTE_1,
    Live,
    join,
    page_token,
    signed_in,
    start_session,
    vote,
)

WAITING = "Waiting for the facilitator to let you in"
TICKET = re.compile(r'class="join-code ticket">(\w{4})<')


@pytest.fixture
def facilitator(client: TestClient, session: Session) -> User:
    user = make_user(session, "fay@example.com", name="Fay Facilitator", role="facilitator")
    assert login(client, "fay@example.com").status_code == 303  # type: ignore[attr-defined]
    return user


def _states(session: Session) -> list[str]:
    return [p.state for p in session.exec(select(LiveParticipant).order_by(LiveParticipant.id))]


def _admitted_counter(session: Session, live: Live) -> int:
    return session.exec(select(LiveSession.admitted).where(LiveSession.id == live.id)).one()


def _decision_form(live: Live, ticket: str) -> dict[str, str]:
    """The form next to this phone's number on the session page."""
    page = live.controls()
    form = re.search(
        r'name="participant" value="(\d+)">\s*<span class="ticket">Phone ' + ticket, page
    )
    assert form, f"phone {ticket} is not listed as waiting"
    return {"csrf_token": csrf_from(page), "participant": form.group(1), "view": "session"}


def _decide(live: Live, ticket: str, decision: str) -> object:
    """Press "Let in" or "Turn away" next to this phone's number on the session page."""
    data = _decision_form(live, ticket) | {"decision": decision}
    return live.client.post(f"/live/{live.id}/admission", data=data)


def test_laptop_joins_beyond_the_headcount_wait_and_cannot_vote(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=2)
    real = join(app, live.code)
    laptop = [join(app, live.code) for _ in range(4)]  # a new cookie-less "phone" each time
    assert _states(session) == ["in", "in", "waiting", "waiting", "waiting"]
    for phone in laptop[1:]:
        page = phone.get(f"/j/{live.code}")
        assert page.status_code == 200 and WAITING in page.text
        assert f'<a href="/j/{live.code}">Refresh</a>' in page.text  # works without JavaScript
        assert "The stand-up" not in page.text
    live.go(TO_VOTE_1)
    assert vote(real, live.code, "standup", "credit").status_code == 303
    for phone in laptop:
        vote(phone, live.code, "standup", "silent")
    assert session.exec(select(func.count()).select_from(LiveVote)).one() == 2
    live.go(TO_REVEAL_1 - TO_VOTE_1)
    projector = live.present().text
    assert "no distribution is shown" in projector and "<meter" not in projector


def test_waiting_phone_votes_are_refused_with_a_clear_message(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=1)
    join(app, live.code)
    extra = join(app, live.code)
    live.go(TO_VOTE_1)
    token = page_token(extra.get(f"/j/{live.code}").text)
    refused = extra.post(
        f"/j/{live.code}/vote",
        data={"csrf_token": token, "scenario_id": "standup", "choice": "credit"},
    )
    assert refused.status_code == 409
    assert "has not let this phone in" in refused.text and WAITING in refused.text
    assert session.exec(select(LiveVote)).first() is None


def test_facilitator_lets_a_waiting_phone_in_from_the_presenter_view(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=1)
    join(app, live.code)
    extra = join(app, live.code)
    waiting_page = extra.get(f"/j/{live.code}").text
    ticket = TICKET.search(waiting_page).group(1)  # type: ignore[union-attr]
    presenter = live.controls()
    assert "1 waiting to join" in presenter and f"Phone {ticket}" in presenter
    assert _decide(live, ticket, "let_in").status_code == 303  # type: ignore[attr-defined]
    assert "You're in" in extra.get(f"/j/{live.code}").text
    assert _states(session) == ["in", "in"] and _admitted_counter(session, live) == 2
    live.go(TO_VOTE_1)
    assert vote(extra, live.code, "standup", "credit").status_code == 303


def test_waiting_phone_poll_changes_when_it_is_let_in(
    app: FastAPI, client: TestClient, facilitator: User
) -> None:
    live = start_session(client, headcount=1)
    join(app, live.code)
    extra = join(app, live.code)
    hx = {"HX-Request": "true"}
    first = extra.get(f"/j/{live.code}", headers=hx)
    assert (
        first.text.lstrip().startswith('<section id="room"') and 'hx-trigger="every' in first.text
    )
    etag = first.headers["etag"]
    assert extra.get(f"/j/{live.code}", headers=hx | {"If-None-Match": etag}).status_code == 304
    ticket = TICKET.search(first.text).group(1)  # type: ignore[union-attr]
    _decide(live, ticket, "let_in")
    changed = extra.get(f"/j/{live.code}", headers=hx | {"If-None-Match": etag})
    assert changed.status_code == 200 and "You're in" in changed.text


def test_turned_away_phone_cannot_vote_and_rejoining_does_not_help(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=1)
    join(app, live.code)
    extra = join(app, live.code)
    ticket = TICKET.search(extra.get(f"/j/{live.code}").text).group(1)  # type: ignore[union-attr]
    stale = _decision_form(live, ticket)
    assert _decide(live, ticket, "turn_away").status_code == 303  # type: ignore[attr-defined]
    assert "did not let this phone into the session" in extra.get(f"/j/{live.code}").text
    join(app, live.code, extra)  # Join again with the same cookie: still turned away
    assert _states(session) == ["in", "denied"]
    live.go(TO_VOTE_1)
    assert vote(extra, live.code, "standup", "credit").status_code == 409
    assert session.exec(select(LiveVote)).first() is None
    again = live.client.post(f"/live/{live.id}/admission", data=stale | {"decision": "let_in"})
    assert again.status_code == 409 and "already let in or turned away" in again.text
    assert _states(session) == ["in", "denied"]


def test_without_a_headcount_every_phone_waits(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=None)
    phones = [join(app, live.code) for _ in range(3)]
    assert _states(session) == ["waiting"] * 3
    assert "no headcount set" in live.controls()
    waiting_page = phones[0].get(f"/j/{live.code}").text
    assert "lets each phone in by hand" in waiting_page
    assert "More phones joined than" not in waiting_page  # no headcount was exceeded
    page = live.controls()
    data = {
        "csrf_token": csrf_from(page),
        "participant": "all",
        "decision": "let_in",
        "view": "remote",
    }
    assert live.client.post(f"/live/{live.id}/admission", data=data).status_code == 303
    assert _states(session) == ["in"] * 3 and _admitted_counter(session, live) == 3
    assert "You're in" in phones[0].get(f"/j/{live.code}").text


def test_headcount_is_set_in_the_lobby_and_not_once_started(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=1)
    page = live.controls()
    assert 'name="headcount"' in page
    data = {"csrf_token": csrf_from(page), "headcount": "3", "view": "session"}
    assert client.post(f"/live/{live.id}/headcount", data=data).status_code == 303
    assert "0</strong> in of 3 expected" in live.controls()
    for bad in ("0", "-1", "abc", "1001", ""):
        refused = client.post(f"/live/{live.id}/headcount", data=data | {"headcount": bad})
        assert refused.status_code == 422, bad
        assert "People you expect" in refused.text
    live.go(1)
    late = client.post(f"/live/{live.id}/headcount", data=data | {"headcount": "50"})
    assert late.status_code == 422 and "only in the lobby" in late.text
    assert session.exec(select(LiveSession.headcount)).one() == 3


def test_headcount_on_the_new_session_form_is_checked(
    client: TestClient, facilitator: User, session: Session
) -> None:
    form = client.get("/live/new?module_id=first-steps").text
    assert 'name="headcount"' in form and 'name="signin_to_vote"' in form
    data = {"csrf_token": csrf_from(form), "module_id": "first-steps", "scenario": "standup"}
    for bad in ("0", "100000", "ten"):
        refused = client.post("/live", data=data | {"headcount": bad})
        assert refused.status_code == 422 and "People you expect" in refused.text
    assert session.exec(select(LiveSession)).first() is None


def test_another_facilitator_cannot_let_phones_in(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=None)
    join(app, live.code)
    other, _ = signed_in(app, session, "otto@example.com", role="facilitator")
    token = csrf_from(other.get("/live").text)
    data = {"csrf_token": token, "participant": "all", "decision": "let_in", "view": "session"}
    assert other.post(f"/live/{live.id}/admission", data=data).status_code == 403
    head = {"csrf_token": token, "headcount": "99", "view": "session"}
    assert other.post(f"/live/{live.id}/headcount", data=head).status_code == 403
    assert _states(session) == ["waiting"]


def _in_threads(work: list[Callable[[], object]]) -> list[object]:
    """Run every job at once (a barrier releases them together); results or exceptions."""
    results: list[object] = []
    start = threading.Barrier(len(work))

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            results.append(job())
        except Exception as exc:  # collected and asserted by the caller
            results.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _join_job(app: FastAPI, code: str) -> Callable[[], object]:
    def job() -> object:
        with write_session(app.state.engine) as s:
            return participant.join(
                s, code=code, token=None, user=None, record_attendance=False, address="10.0.0.9"
            )

    return job


def test_racing_joins_never_take_more_places_than_the_headcount(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=5)
    results = _in_threads([_join_job(app, live.code) for _ in range(16)])
    assert all(isinstance(r, str) for r in results), results
    states = _states(session)
    assert states.count("in") == 5 and states.count("waiting") == 11
    assert _admitted_counter(session, live) == 5


def test_two_approvals_at_once_let_a_phone_in_once(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=None)
    join(app, live.code)
    join(app, live.code)
    first = session.exec(select(LiveParticipant.id).order_by(LiveParticipant.id)).first()

    def approve(participant_id: int | None) -> Callable[[], object]:
        def job() -> object:
            with write_session(app.state.engine) as s:
                return admission.decide(
                    s,
                    user=facilitator,
                    session_id=live.id,
                    participant_id=participant_id,
                    let_in=True,
                )

        return job

    results = _in_threads([approve(first), approve(first)])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"]
    assert isinstance(next(r for r in results if not isinstance(r, int)), Conflict)
    everyone = _in_threads([approve(None), approve(None), approve(None)])
    assert sorted(everyone) == [0, 0, 1]  # type: ignore[type-var]
    assert _states(session) == ["in", "in"] and _admitted_counter(session, live) == 2


def test_three_hundred_joins_from_one_address_all_get_in(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=300)
    office = ("203.0.113.7", 40000)  # one NAT address for the whole room
    for _ in range(300):
        join(app, live.code, TestClient(app, follow_redirects=False, client=office))
    assert _states(session) == ["in"] * 300
    assert "<strong>300</strong> in of 300 expected" in live.controls()


def _guess(n: int) -> str:
    """A well-formed code that no session uses (the fixture's code is random, so avoid it)."""
    return "".join(CODE_ALPHABET[(n * 7 + i) % len(CODE_ALPHABET)] for i in range(6))


def test_twenty_unknown_codes_a_minute_from_one_address_get_429(
    app: FastAPI, client: TestClient, facilitator: User
) -> None:
    live = start_session(client, headcount=30)
    inside = join(
        app, live.code, TestClient(app, follow_redirects=False, client=("198.51.100.5", 1))
    )
    guesser = TestClient(app, follow_redirects=False, client=("198.51.100.5", 2))
    codes = [_guess(n) for n in range(25) if _guess(n) != live.code]
    answers = [guesser.get(f"/j/{code}") for code in codes]
    statuses = [a.status_code for a in answers]
    assert statuses[: admission.MISS_LIMIT] == [404] * admission.MISS_LIMIT
    assert set(statuses[admission.MISS_LIMIT :]) == {429}
    assert "Too many codes that match no session" in answers[-1].text
    assert "Wait a minute" in answers[-1].text
    # No oracle: the real code now gets the same 429 from this address, on every route.
    assert guesser.get(f"/j/{live.code}").status_code == 429
    token = page_token(guesser.get("/j").text)
    assert guesser.post(f"/j/{live.code}/join", data={"csrf_token": token}).status_code == 429
    form = {"csrf_token": token, "scenario_id": "standup", "choice": "credit"}
    assert guesser.post(f"/j/{codes[0]}/vote", data=form).status_code == 429
    # A phone already in the session, behind the same address, carries on.
    assert "You're in" in inside.get(f"/j/{live.code}").text
    # Other addresses are not affected.
    elsewhere = TestClient(app, follow_redirects=False, client=("192.0.2.1", 3))
    assert elsewhere.get(f"/j/{live.code}").status_code == 200


def test_sign_in_to_vote_refuses_anonymous_joins_with_a_way_to_sign_in(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    stranger = TestClient(app, follow_redirects=False)
    invite = stranger.get(f"/j/{live.code}").text
    assert "one vote per person" in invite and f"/login?next=/j/{live.code}" in invite
    lobby = live.present().text  # the projected lobby tells the room the same
    assert "Sign in on your phone to vote" in lobby and "No account needed" not in lobby
    refused = stranger.post(f"/j/{live.code}/join", data={"csrf_token": page_token(invite)})
    assert refused.status_code == 403 and "sign in to join" in refused.text
    assert "Sign in to vote" in refused.text
    assert session.exec(select(LiveParticipant)).first() is None


def test_sign_in_to_vote_counts_one_vote_per_person_whatever_the_phone(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    phone, _ = signed_in(app, session, "lee@example.com")
    join(app, live.code, phone)
    signed_in_only = {c.name: c.value for c in phone.cookies.jar if c.name != participant.COOKIE}
    laptop = TestClient(app, follow_redirects=False, cookies=signed_in_only)  # a "new phone"
    join(app, live.code, laptop)
    assert len(session.exec(select(LiveParticipant)).all()) == 1
    assert "Join the session" in phone.get(f"/j/{live.code}").text  # moved to the laptop
    live.go(TO_VOTE_1)
    assert vote(laptop, live.code, "standup", "silent").status_code == 303
    join(app, live.code, phone)  # back on the phone: the same participant, the same vote
    assert vote(phone, live.code, "standup", "credit").status_code == 303
    assert len(session.exec(select(LiveParticipant)).all()) == 1
    assert session.exec(select(LiveVote.choice_id)).all() == ["credit"]
    assert _admitted_counter(session, live) == 1


def test_sign_in_to_vote_is_unlinkable_once_the_session_ends(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    live = start_session(client, headcount=30, signin_to_vote="yes")
    people = [signed_in(app, session, f"p{i}@example.com") for i in range(3)]
    for phone, _ in people:
        join(app, live.code, phone, attendance="yes")
    secret = session.exec(select(LiveSession.voter_secret)).one()
    assert secret is not None and len(secret) == 64
    keys = set(session.exec(select(LiveParticipant.voter_key)).all())
    # While it runs, the keys are HMAC(per-session secret, user id): one per person...
    assert keys == {admission.voter_key(secret, user.id or 0) for _, user in people}
    live.step("end")
    assert session.exec(select(LiveSession.voter_secret)).one() is None
    # ...and once it ended the secret is nowhere in the database,
    assert not _database_contains(session, secret)
    # so the stored keys match nothing computable from the accounts.
    for _, user in people:
        uid = str(user.id).encode()
        guesses = {
            hashlib.sha256(uid).hexdigest(),
            hashlib.sha256(f"user:{user.id}".encode()).hexdigest(),
            hmac.new(b"test-secret-key-0123456789", uid, hashlib.sha256).hexdigest(),
            admission.voter_key(hashlib.sha256(b"").hexdigest(), user.id or 0),
        }
        assert not keys & guesses
    # A second session gives the same person another key: no linking across sessions either.
    again = start_session(client, headcount=30, signin_to_vote="yes")
    join(app, again.code, people[0][0])
    newest = session.exec(
        select(LiveParticipant.voter_key).where(LiveParticipant.session_id == again.id)
    ).one()
    assert newest not in keys


def _database_contains(session: Session, value: str) -> bool:
    """Whether any text column of any table holds `value`."""
    inspector = inspect(session.get_bind())
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if "CHAR" in str(column["type"]).upper() or "TEXT" in str(column["type"]).upper():
                found = session.exec(  # type: ignore[call-overload]
                    text(f'SELECT 1 FROM "{table}" WHERE "{column["name"]}" = :v'),
                    params={"v": value},
                ).first()
                if found:
                    return True
    return False


@pytest.mark.parametrize("headcount", [None, 1])
def test_joining_an_ended_session_is_refused_whatever_the_headcount(
    app: FastAPI, client: TestClient, facilitator: User, headcount: int | None
) -> None:
    live = start_session(client, headcount=headcount)
    stranger = TestClient(app, follow_redirects=False)
    token = page_token(stranger.get(f"/j/{live.code}").text)
    live.step("end")
    assert stranger.post(f"/j/{live.code}/join", data={"csrf_token": token}).status_code == 410


def test_a_session_left_open_loses_its_voter_secret_after_twelve_hours(
    app: FastAPI, client: TestClient, facilitator: User, session: Session
) -> None:
    forgotten = start_session(client, headcount=30, signin_to_vote="yes")
    session.exec(  # type: ignore[call-overload]
        text("UPDATE livesession SET created_at = :at WHERE id = :id"),
        params={"at": utcnow() - timedelta(hours=13), "id": forgotten.id},
    )
    start_session(client, headcount=30, signin_to_vote="yes")
    secrets_now = dict(session.exec(select(LiveSession.id, LiveSession.voter_secret)).all())
    assert secrets_now[forgotten.id] is None
    assert [sid for sid, secret in secrets_now.items() if secret] == [forgotten.id + 1]
    phone, _ = signed_in(app, session, "lee@example.com")
    token = page_token(phone.get(f"/j/{forgotten.code}").text)
    refused = phone.post(f"/j/{forgotten.code}/join", data={"csrf_token": token})
    assert refused.status_code == 410 and "closed" in refused.text
