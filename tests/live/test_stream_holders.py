"""Abuse of the rooms' event streams on a real server: one phone opening many streams, a
sign-in that ends while its stream is open (sign-out), another account on the same browser.

One phone (one room cookie), or one facilitator's view, holds at most a few of a worker's
streams; a phone's stream in a "Sign in to vote" room, and a facilitator's controls stream,
close once the sign-in they were opened with ends."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.live.stream_routes import CONTROL_STREAMS, PHONE_STREAMS
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import make_user
from tests.live.phones import Phone, Presenter, close_all
from tests.live.streams import Listener
from tests.servers import sign_in, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
        make_user(session, "lee@example.com", name="Lee")
        make_user(session, "noor@example.com", name="Noor")
    engine.dispose()
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    yield url
    stop_server(proc)


def _listen(url: str, client: httpx.Client, path: str) -> Listener:
    return Listener(url, path, cookies=client.cookies)


def _sign_out(client: httpx.Client) -> None:
    token = CSRF_FIELD.search(client.get("/").text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303


def _fill_to_the_cap(url: str, client: httpx.Client, path: str, cap: int) -> list[Listener]:
    """`cap` open streams for one holder, each 200; the next is refused with 429 and a wait."""
    held = [_listen(url, client, path) for _ in range(cap)]
    try:
        assert [listener.status for listener in held] == [200] * cap
        refused = _listen(url, client, path)
        assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
        refused.close()
    except BaseException:
        for listener in held:
            listener.close()
        raise
    return held


def _open_again(url: str, client: httpx.Client, path: str) -> Listener:
    """A stream opened once the server has seen a closed one go (within 3 s)."""
    deadline = time.monotonic() + 3
    while True:
        again = _listen(url, client, path)
        if again.status == 200 or time.monotonic() > deadline:
            return again
        again.close()
        time.sleep(0.1)


def test_one_phone_holds_only_a_few_streams_and_leaves_the_rest_to_others(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    phone, other = Phone(server, fay.code), Phone(server, fay.code)
    phone.join()
    other.join()
    path = f"/j/{fay.code}/events"
    held = _fill_to_the_cap(server, phone.client, path, PHONE_STREAMS)
    try:
        # Another phone of the room, and the room's projector, still get theirs.
        held.append(_listen(server, other.client, path))
        held.append(_listen(server, fay.client, f"{fay.url}/events?view=present"))
        assert [listener.status for listener in held[-2:]] == [200, 200]
        held.pop(0).close()  # a tab that leaves gives its place back to its phone
        held.append(_open_again(server, phone.client, path))
        assert held[-1].status == 200
    finally:
        for listener in held:
            listener.close()
        close_all([fay.client, phone.client, other.client])


def test_one_facilitator_view_holds_only_a_few_streams(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    present = f"{fay.url}/events?view=present"
    held = _fill_to_the_cap(server, fay.client, present, CONTROL_STREAMS)
    try:
        held.append(_listen(server, fay.client, f"{fay.url}/events?view=session"))
        assert held[-1].status == 200  # the laptop's controls are another view
    finally:
        for listener in held:
            listener.close()
        close_all([fay.client])


def test_sign_in_room_stream_closes_when_the_person_signs_out(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"], signin_to_vote="yes")
    phone = Phone(server, fay.code)
    sign_in(phone.client, "lee@example.com")
    phone.join()
    path = f"/j/{fay.code}/events"
    listener = _listen(server, phone.client, path)
    try:
        assert listener.status == 200
        first = listener.next(within=3)
        assert first is not None and first.name == "view"
        _sign_out(phone.client)
        fay.step()
        assert listener.next(within=5) is None  # closed: no view (with Lee's vote) pushed
        again = _listen(server, phone.client, path)  # the browser's reconnection
        assert again.status == 404
        again.close()
        sign_in(phone.client, "noor@example.com")  # another account on the same browser
        noor = _listen(server, phone.client, path)
        assert noor.status == 404
        noor.close()
    finally:
        listener.close()
        close_all([fay.client, phone.client])


def test_control_stream_closes_when_the_facilitator_signs_out(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    listener = _listen(server, fay.client, f"{fay.url}/events?view=session")
    phone = Phone(server, fay.code)
    try:
        assert listener.status == 200
        first = listener.next(within=3)
        assert first is not None and first.name == "view"
        _sign_out(fay.client)
        phone.join()  # the controls' count changes
        assert listener.next(within=5) is None  # closed: nothing pushed after the sign-out
    finally:
        listener.close()
        close_all([fay.client, phone.client])
