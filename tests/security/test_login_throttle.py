"""Sign-in throttling slows guessing per (account, address) and never locks people out.

Time passing is simulated by moving the stored throttle times back (`time_passes`): the
app reads them from the database like any other state.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.auth import service, throttle
from app.auth.throttle import address_wait, pair_wait
from app.clock import utcnow_exact
from app.config import Settings
from app.main import create_app
from app.models import LoginFailure, LoginSession, LoginThrottle
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user

OFFICE, HOME, ELSEWHERE = "198.51.100.7", "203.0.113.20", "192.0.2.99"
WAIT = re.compile(r"Wait (\d+) seconds?")


def from_address(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 40000))


def attempt(client: TestClient, email: str, password: str = PASSWORD) -> tuple[int, int]:
    """(status, seconds the page says to wait, or 0)."""
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )
    found = WAIT.search(response.text)
    return response.status_code, int(found.group(1)) if found else 0


def time_passes(session: Session, seconds: float) -> None:
    """Move every stored sign-in time back, as if `seconds` had gone by."""
    back = timedelta(seconds=seconds)
    session.expire_all()  # read what the app stored since
    rows = session.exec(select(LoginThrottle)).all()
    for row in rows:
        row.next_try_at -= back
        if row.last_failure_at:
            row.last_failure_at -= back
        session.add(row)
    for failure in session.exec(select(LoginFailure)).all():
        failure.at -= back
        session.add(failure)
    session.commit()


def pair_row(session: Session, email: str, address: str) -> LoginThrottle:
    session.expire_all()
    return session.exec(
        select(LoginThrottle).where(LoginThrottle.email == email, LoginThrottle.address == address)
    ).one()


def test_pair_wait_grows_from_one_second_to_the_cap() -> None:
    waits = [pair_wait(n, free_tries=3, longest=30) for n in range(1, 11)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 30, 30, 30]
    assert pair_wait(10_000, free_tries=3, longest=30) == 30
    assert [pair_wait(n, free_tries=1, longest=30) for n in (1, 2, 3)] == [1, 2, 4]
    assert [address_wait(n, pressure=30, longest=30) for n in (29, 30, 40, 50, 90)] == [
        0,
        1,
        2,
        4,
        30,
    ]


def test_failures_make_the_next_try_wait_longer_and_longer(app: FastAPI, session: Session) -> None:
    make_user(session)
    guesser = from_address(app, ELSEWHERE)
    expected = [0, 0, 1, 2, 4, 8, 16, 30, 30]
    for failures, wait in enumerate(expected, start=1):
        assert attempt(guesser, "ana@example.com", "wrong-guess")[0] == 422
        row = pair_row(session, "ana@example.com", ELSEWHERE)
        assert row.failures == failures
        assert row.last_failure_at is not None
        assert (row.next_try_at - row.last_failure_at).total_seconds() == wait
        if wait >= 4:  # told at once how long to wait (even the right password waits)
            status, told = attempt(guesser, "ana@example.com")
            assert status == 429 and wait - 3 <= told <= wait
        time_passes(session, wait)
    assert session.exec(select(LoginSession)).first() is None


def test_owner_gets_in_within_a_minute_from_a_fresh_address_while_hammered(
    app: FastAPI, session: Session
) -> None:
    make_user(session)
    attacker = from_address(app, ELSEWHERE)
    for _ in range(3):
        assert attempt(attacker, "ana@example.com", "wrong-guess")[0] == 422
    for n in range(20):  # and a botnet's worth of failures from other addresses
        session.add(LoginFailure(email="ana@example.com", address=f"10.9.{n}.1"))
    session.commit()
    assert attempt(attacker, "ana@example.com")[0] == 429  # the attacker's pair waits
    owner = from_address(app, HOME)
    assert attempt(owner, "ana@example.com", "typo-in-my-password")[0] == 422
    waited = 0
    for _ in range(10):
        attempt(attacker, "ana@example.com", "wrong-guess")  # the hammering goes on
        status, told = attempt(owner, "ana@example.com")
        if status == 303:
            break
        assert status == 429
        waited += told
        time_passes(session, told)
    assert status == 303 and waited < 60


def test_office_behind_one_address_is_slowed_not_locked_out(app: FastAPI, session: Session) -> None:
    make_user(session, "ana@example.com", name="Ana Regular")
    make_user(session, "ben@example.com", name="Ben Newcomer")
    office = from_address(app, OFFICE)
    assert attempt(office, "ana@example.com")[0] == 303  # Ana signs in from the office daily
    for n in range(30):  # someone sprays unknown e-mails from the office's one address
        session.add(LoginFailure(email=f"nobody{n}@example.com", address=OFFICE))
    session.commit()
    assert attempt(from_address(app, OFFICE), "nobody-more@example.com", "guess")[0] == 422
    assert attempt(from_address(app, OFFICE), "ana@example.com")[0] == 303  # never slowed
    status, told = attempt(from_address(app, OFFICE), "ben@example.com")
    assert status in (303, 429)  # Ben's first sign-in from there may wait a moment ...
    if status == 429:
        assert 1 <= told <= 30
        time_passes(session, told)
        assert attempt(from_address(app, OFFICE), "ben@example.com")[0] == 303  # ... then in
    assert attempt(from_address(app, HOME), "ben@example.com")[0] == 303  # elsewhere: at once


def test_failures_on_unknown_emails_do_not_slow_real_accounts(
    app: FastAPI, session: Session
) -> None:
    make_user(session)
    office = from_address(app, OFFICE)
    for n in range(6):
        assert attempt(office, f"typo{n}@example.com", "whatever-it-was")[0] == 422
    for _ in range(4):
        assert attempt(office, "nobody@example.com", "whatever-it-was")[0] in (422, 429)
    assert attempt(from_address(app, OFFICE), "ana@example.com")[0] == 303


def test_unknown_and_known_emails_are_throttled_alike(app: FastAPI, session: Session) -> None:
    make_user(session)
    guesser = from_address(app, ELSEWHERE)
    for email in ("ana@example.com", "ghost@example.com"):
        for _ in range(3):
            assert attempt(guesser, email, "wrong-guess")[0] == 422
        row = pair_row(session, email, ELSEWHERE)
        assert row.last_failure_at is not None
        assert (row.next_try_at - row.last_failure_at).total_seconds() == 1


def test_a_success_clears_the_pair(app: FastAPI, session: Session) -> None:
    make_user(session)
    me = from_address(app, HOME)
    for _ in range(2):
        assert attempt(me, "ana@example.com", "wrong-guess")[0] == 422
    assert attempt(me, "ana@example.com")[0] == 303
    session.expire_all()
    assert session.exec(select(LoginThrottle)).all() == []
    assert session.exec(select(LoginSession)).one().address == HOME


def test_parallel_guesses_on_one_pair_run_one_at_a_time(
    settings: Settings, session: Session
) -> None:
    make_user(session)
    statuses: list[int] = []
    ready = threading.Barrier(8)
    # A running app of its own (lifespan, one event loop, the writer thread), as a worker
    # serves; its lifespan disposes of its own engine, not the one the fixtures hold.
    worker = create_app(settings)
    with TestClient(worker, follow_redirects=False, client=(ELSEWHERE, 40000)) as browser:
        token = csrf_from(browser.get("/login").text)
        data = {"email": "ana@example.com", "password": "guess", "csrf_token": token}

        def guess() -> None:
            ready.wait()  # all eight posted at the same moment
            statuses.append(browser.post("/login", data=data).status_code)

        threads = [threading.Thread(target=guess) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(set(statuses)) <= [422, 429]
    checked = statuses.count(422)
    assert 1 <= checked <= 3  # the free tries at most, never all eight
    stored = session.exec(
        select(LoginFailure).where(col(LoginFailure.email) == "ana@example.com")
    ).all()
    assert len(stored) == checked


def test_a_try_waits_its_turn_while_another_try_of_the_pair_is_checked(
    app: FastAPI, session: Session
) -> None:
    make_user(session)
    me = from_address(app, HOME)
    assert attempt(me, "ana@example.com", "wrong-guess")[0] == 422
    row = pair_row(session, "ana@example.com", HOME)
    assert row.held_until is None  # the outcome ended the try's hold
    session.exec(  # as while another try (a double click, a second tab) is being checked
        update(LoginThrottle).values(held_until=utcnow_exact() + timedelta(seconds=2))
    )
    session.commit()
    started = time.monotonic()
    assert attempt(me, "ana@example.com")[0] == 303  # not refused: it waited for its turn
    assert time.monotonic() - started >= 1.5


def test_a_try_reading_the_throttle_after_another_tries_claim_waits_its_turn(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two correct sign-ins of one pair: the first is held between its start and its
    throttle read until the second, started later, has claimed the pair (its row holds the
    second's later clock), as when another worker claims the pair at that moment."""
    make_user(session)
    reading, claimed = threading.Event(), threading.Event()
    reads = itertools.count()
    read_facts, verify = throttle.read_facts, service.verify_off_loop

    def held_first_read(*args: Any) -> throttle.Facts:
        if next(reads) == 0:
            reading.set()
            claimed.wait(timeout=30)  # a guard against a hang only: the test waits for order
        return read_facts(*args)

    async def verify_after_claim(password: str, password_hash: str | None) -> bool:
        claimed.set()  # a try reaches the password only once its claim is committed
        return await verify(password, password_hash)

    monkeypatch.setattr(throttle, "read_facts", held_first_read)
    monkeypatch.setattr(service, "verify_off_loop", verify_after_claim)
    statuses: list[tuple[int, int]] = []
    first, second = from_address(app, HOME), from_address(app, HOME)
    tries = [
        threading.Thread(target=lambda me=me: statuses.append(attempt(me, "ana@example.com")))
        for me in (first, second)
    ]
    tries[0].start()
    assert reading.wait(timeout=30)
    tries[1].start()
    for thread in tries:
        thread.join()
    assert statuses == [(303, 0), (303, 0)]  # both in: no wait, no "too many failed"
    assert session.exec(select(LoginFailure)).all() == []


def test_many_correct_sign_ins_at_once_all_get_in(settings: Settings, session: Session) -> None:
    emails = ["ana@example.com", "ben@example.com", "cy@example.com"]
    for email in emails:
        make_user(session, email, name=email.split("@")[0].title())
    ready = threading.Barrier(12)
    statuses: list[int] = []
    worker = create_app(settings)  # its own lifespan: one event loop and writer, as served
    with TestClient(worker, follow_redirects=False, client=(OFFICE, 40000)):

        def sign_in(email: str) -> None:
            me = from_address(worker, OFFICE)
            token = csrf_from(me.get("/login").text)
            ready.wait()  # all twelve posted at the same moment
            data = {"email": email, "password": PASSWORD, "csrf_token": token}
            statuses.append(me.post("/login", data=data).status_code)

        threads = [threading.Thread(target=sign_in, args=(emails[n % 3],)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [303] * 12
    assert session.exec(select(LoginFailure)).all() == []


def test_a_turn_never_given_is_not_called_too_many_failures(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session)
    monkeypatch.setattr(service, "TURN_WAIT_SECONDS", 0)
    now = utcnow_exact()
    session.add(  # another try of the pair is being checked, and no failure was recorded
        LoginThrottle(
            email="ana@example.com",
            address=HOME,
            next_try_at=now,
            held_until=now + timedelta(seconds=10),
        )
    )
    session.commit()
    me = from_address(app, HOME)
    page = me.get("/login")
    response = me.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 429
    assert "still being checked" in response.text
    assert "Too many failed" not in response.text


def test_only_recorded_failures_make_a_pair_wait(settings: Settings) -> None:
    now = utcnow_exact()
    ahead = now + timedelta(microseconds=5)  # a row another try claimed at its later clock
    facts = throttle.Facts(
        user_id=1,
        password_hash=None,
        active=True,
        role="learner",
        pair_failures=0,
        pair_next_try_at=ahead,
        account_failures=0,
        address_failures=0,
        address_next_try_at=None,
        known_pair=False,
    )
    assert facts.wait_seconds(settings, now) == 0  # a turn to wait for, not a delay
    failed = dataclasses.replace(facts, pair_failures=settings.login_free_tries)
    assert failed.wait_seconds(settings, now) == 1
