"""The rooms' event streams on real servers: steps and votes heard within a second, on one
worker and across two apps on one database; the cap; the end of a room; a prompt shutdown."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from app.db import make_engine
from tests.conftest import FIXTURE_COURSE
from tests.factories import make_user
from tests.live.phones import Phone, Presenter, close_all
from tests.live.streams import Listener
from tests.servers import start_server, stop_server

pytestmark = pytest.mark.slow
CHOICE = re.compile(r'name="choice" value="([^"]+)"')
SLOT = re.compile(r"(csrf|phone)[0-9a-f]{32}")  # app/live/push_views.py's slots


@pytest.fixture
def facilitator_db(db_url: str) -> str:
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
    engine.dispose()
    return db_url


@pytest.fixture
def server(facilitator_db: str) -> Iterator[str]:
    proc, url = start_server(facilitator_db, content_dir=FIXTURE_COURSE)
    yield url
    stop_server(proc)


def version_of(fay: Presenter) -> int:
    return int(re.search(r'name="version" value="(\d+)"', fay.controls()).group(1))  # type: ignore[union-attr]


def open_voting(fay: Presenter, phone: Phone) -> str:
    """Step on until the phone can vote; returns a choice it may pick."""
    for _ in range(8):
        page = phone.client.get(f"/j/{fay.code}").text
        if choices := CHOICE.findall(page):
            return choices[0]
        fay.step()
    raise AssertionError("voting never opened")


def phone_listener(url: str, phone: Phone, query: str = "") -> Listener:
    return Listener(url, f"/j/{phone.code}/events{query}", cookies=phone.client.cookies)


def room_with_a_phone(url: str, phone_url: str | None = None) -> tuple[Presenter, Phone]:
    """Fay's new room and one phone in it (on another server when `phone_url` is given)."""
    fay = Presenter(url, "fay@example.com", ["standup"])
    phone = Phone(phone_url or url, fay.code)
    phone.join()
    return fay, phone


def test_stream_phone_hears_each_step_within_a_second(server: str) -> None:
    fay, phone = room_with_a_phone(server)
    listener = phone_listener(server, phone, f"?since={version_of(fay)}")
    try:
        assert listener.status == 200
        assert listener.headers["content-type"].startswith("text/event-stream")
        assert listener.quiet(0.5)  # it already knows this version: nothing to say
        for _ in range(3):
            fay.step()
            event = listener.next(within=1.0)
            version = version_of(fay)
            assert event is not None and event.name == "view"  # the new view comes along
            assert event.id == str(version) and f'data-version="{version}"' in event.data
            assert event.data.lstrip().startswith('<section id="room"')
            assert not SLOT.search(event.data)  # every slot filled with the phone's own
    finally:
        listener.close()
        close_all([fay.client, phone.client])


def test_stream_controls_hear_a_vote_within_a_second(server: str) -> None:
    fay, phone = room_with_a_phone(server)
    choice = open_voting(fay, phone)
    controls = Listener(server, f"{fay.url}/events", cookies=fay.client.cookies)
    try:
        assert controls.status == 200
        assert controls.next().name == "view"  # type: ignore[union-attr]  (no since: told at once)
        assert controls.quiet(0.4)
        assert phone.vote(choice) == 303
        event = controls.next(within=1.0)
        assert event is not None and event.name == "view" and 'id="live-poll"' in event.data
    finally:
        controls.close()
        close_all([fay.client, phone.client])


def test_stream_two_apps_on_one_database_both_deliver(facilitator_db: str) -> None:
    first, url_a = start_server(facilitator_db, content_dir=FIXTURE_COURSE)
    second, url_b = start_server(facilitator_db, content_dir=FIXTURE_COURSE)
    listeners: list[Listener] = []
    try:
        fay, phone = room_with_a_phone(url_a, url_b)
        on_b = phone_listener(url_b, phone, f"?since={version_of(fay)}")
        on_a = Listener(url_a, f"{fay.url}/events", cookies=fay.client.cookies)
        listeners = [on_a, on_b]
        assert on_a.next().name == "view"  # type: ignore[union-attr]
        fay.step()  # on app A: the phone's stream on app B hears it
        assert on_b.next(within=1.0).name == "view"  # type: ignore[union-attr]
        assert on_a.next(within=1.0).name == "view"  # type: ignore[union-attr]
        choice = open_voting(fay, phone)
        while not on_b.quiet(0.3) or not on_a.quiet(0.3):
            pass  # the steps open_voting took
        assert phone.vote(choice) == 303  # on app B: the presenter's stream on app A hears it
        assert on_a.next(within=1.0).name == "view"  # type: ignore[union-attr]
        assert on_b.quiet(0.5)  # a vote changes nothing a phone shows
    finally:
        for listener in listeners:
            listener.close()
        stop_server(first)
        stop_server(second)


def test_stream_ends_with_the_room_and_an_ended_room_answers_204(server: str) -> None:
    fay, phone = room_with_a_phone(server)
    listener = phone_listener(server, phone, f"?since={version_of(fay)}")
    try:
        fay.step("end")
        ended = listener.next()
        assert ended is not None and ended.name == "view" and "Thank you" in ended.data
        assert listener.next().name == "end"  # type: ignore[union-attr]
        assert listener.ended(within=2.0)
        again = phone_listener(server, phone)
        assert again.status == 204  # EventSource does not reconnect after a 204
        again.close()
    finally:
        listener.close()
        close_all([fay.client, phone.client])


def test_stream_cap_answers_503_with_retry_after_and_frees_places(
    facilitator_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLYSHIP_LIVE_STREAMS_PER_WORKER", "2")
    proc, url = start_server(facilitator_db, content_dir=FIXTURE_COURSE)
    listeners: list[Listener] = []
    try:
        _fay, phone = room_with_a_phone(url)
        listeners = [phone_listener(url, phone) for _ in range(2)]
        assert [listener.status for listener in listeners] == [200, 200]
        for listener in listeners:
            listener.next()
        refused = phone_listener(url, phone)
        assert refused.status == 503 and int(refused.headers["retry-after"]) > 0
        refused.close()
        listeners.pop().close()  # a client that leaves gives its place back
        deadline = time.monotonic() + 3
        while True:
            retry = phone_listener(url, phone)
            if retry.status == 200 or time.monotonic() > deadline:
                break
            retry.close()
            time.sleep(0.1)
        listeners.append(retry)
        assert retry.status == 200
    finally:
        for listener in listeners:
            listener.close()
        stop_server(proc)


@pytest.mark.parametrize("workers", [1, 2])
def test_served_workers_with_open_streams_stop_within_seconds(
    facilitator_db: str, workers: int
) -> None:
    proc, url = start_server(facilitator_db, content_dir=FIXTURE_COURSE, workers=workers)
    listeners: list[Listener] = []
    try:
        fay = Presenter(url, "fay@example.com", ["standup"])
        phones = [Phone(url, fay.code) for _ in range(4)]
        for phone in phones:
            phone.join()
        listeners = [phone_listener(url, phone, f"?since={version_of(fay)}") for phone in phones]
        listeners.append(Listener(url, f"{fay.url}/events", cookies=fay.client.cookies))
        assert {listener.status for listener in listeners} == {200}
        close_all([fay.client, *(phone.client for phone in phones)])
        asked = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        took = time.monotonic() - asked
        assert took < 5, f"the server took {took:.1f} s to stop with open streams"
        assert all(listener.ended(within=2.0) for listener in listeners)
    finally:
        for listener in listeners:
            listener.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
