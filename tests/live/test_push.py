"""The views the streams send inside their events (issue 20 point 3): rendered once per room
version in a worker and shared by its phones, yet each phone sees only its own vote, its own
CSRF token and its own participant id; the projector and the session page get theirs too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlmodel import Session

from app.db import make_engine
from tests.conftest import CSRF_FIELD, FIXTURE_COURSE
from tests.factories import make_user
from tests.live.phones import Phone, Presenter, close_all
from tests.live.streams import Event, Listener
from tests.live.test_stream import SLOT, open_voting, phone_listener, version_of
from tests.servers import sign_in, start_server, stop_server

pytestmark = pytest.mark.slow
PRESSED = re.compile(
    r'name="choice" value="([^"]+)" class="vote-button is-mine" aria-pressed="true"'
)
ETAG_PHONE = re.compile(r'\\"r\d+-\d+-(\d+)-in\\"')


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        make_user(session, "fay@example.com", name="Fay", role="facilitator")
        make_user(session, "lee@example.com", name="Lee Signedin")
    engine.dispose()
    proc, url = start_server(db_url, content_dir=FIXTURE_COURSE)
    yield url
    stop_server(proc)


def start_countdown(fay: Presenter) -> None:
    """A one-minute voting countdown: a new room version while voting stays open."""
    page = fay.controls()
    data = {"csrf_token": fay.token(page), "minutes": "1", "version": str(version_of(fay))}
    assert fay.client.post(f"{fay.url}/countdown", data=data).status_code == 303


def own_token(phone: Phone) -> str:
    return CSRF_FIELD.search(phone.client.get(f"/j/{phone.code}").text).group(1)  # type: ignore[union-attr]


def view_of(listener: Listener) -> Event:
    event = listener.next(within=2.0)
    assert event is not None and event.name == "view", event
    return event


def test_push_two_phones_with_different_votes_each_see_only_their_own(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    phones = [Phone(server, fay.code) for _ in range(3)]
    for phone in phones:
        phone.join()
    open_voting(fay, phones[0])
    page = phones[0].client.get(f"/j/{fay.code}").text
    choices = re.findall(r'name="choice" value="([^"]+)"', page)
    mine = [choices[0], choices[1], None]  # the third phone has not voted
    for phone, choice in zip(phones, mine, strict=True):
        if choice:
            assert phone.vote(choice) == 303
    tokens = [own_token(phone) for phone in phones]
    listeners = [phone_listener(server, p, f"?since={version_of(fay)}") for p in phones]
    try:
        start_countdown(fay)
        views = [view_of(listener).data for listener in listeners]
        for i, html in enumerate(views):
            assert PRESSED.findall(html) == ([mine[i]] if mine[i] else [])
            assert html.count("badge-mine") == (1 if mine[i] else 0)
            assert CSRF_FIELD.search(html).group(1) == tokens[i]  # type: ignore[union-attr]
            assert all(other not in html for other in tokens if other != tokens[i])
            assert not SLOT.search(html)
        ids = [ETAG_PHONE.search(html).group(1) for html in views]  # type: ignore[union-attr]
        assert len(set(ids)) == 3  # each poll after the stream goes on with the phone's own ETag
        # The two phones that voted alike would see the same page but for their own details.
        masked = [CSRF_FIELD.sub("", ETAG_PHONE.sub("", html)) for html in views]
        assert masked[0] != masked[1] and masked[2] not in masked[:2]
    finally:
        for listener in listeners:
            listener.close()
        close_all([fay.client, *(phone.client for phone in phones)])


def test_push_a_vote_after_the_step_is_in_the_next_view_of_that_phone_only(server: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    first, second = Phone(server, fay.code), Phone(server, fay.code)
    first.join()
    second.join()
    choice = open_voting(fay, first)
    on_first = phone_listener(server, first, f"?since={version_of(fay)}")
    on_second = phone_listener(server, second, f"?since={version_of(fay)}")
    try:
        start_countdown(fay)
        assert PRESSED.findall(view_of(on_first).data) == []
        assert view_of(on_second).data.count("is-mine") == 0
        assert first.vote(choice) == 303  # a vote is no new version: no event for phones
        assert on_first.quiet(0.4) and on_second.quiet(0.1)
        start_countdown(fay)  # a later version: the first phone's view shows its vote
        assert PRESSED.findall(view_of(on_first).data) == [choice]
        assert PRESSED.findall(view_of(on_second).data) == []
    finally:
        on_first.close()
        on_second.close()
        close_all([fay.client, first.client, second.client])


def test_push_the_end_is_shared_by_signed_out_phones_only(server: str) -> None:
    """A signed-in person's wrap-up and end hold their own commitment, name and links: their
    phone fetches its own view; phones nobody signed in on share one."""
    fay = Presenter(server, "fay@example.com", ["standup"])
    guest, lee = Phone(server, fay.code), Phone(server, fay.code)
    sign_in(lee.client, "lee@example.com")
    guest.join()
    lee.join()
    on_guest = phone_listener(server, guest, f"?since={version_of(fay)}")
    on_lee = phone_listener(server, lee, f"?since={version_of(fay)}")
    try:
        fay.step("end")
        shared = view_of(on_guest).data
        assert "Thank you" in shared and "Lee" not in shared and "/live/commitments" not in shared
        own = on_lee.next(within=2.0)
        assert own is not None and own.name == "change"  # Lee's page fetches its own view
    finally:
        on_guest.close()
        on_lee.close()
        close_all([fay.client, guest.client, lee.client])


@pytest.mark.parametrize(
    ("asked", "part"),
    [("present", 'id="stage"'), ("remote", 'id="remote-step"'), ("session", 'id="remote-step"')],
)
def test_push_controls_get_the_fragment_of_their_view(server: str, asked: str, part: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    listener = Listener(server, f"{fay.url}/events?view={asked}", cookies=fay.client.cookies)
    try:
        html = view_of(listener).data
        assert 'id="live-poll"' in html and part in html and not SLOT.search(html)
        if asked != "present":  # the controls carry the facilitator's own token
            assert CSRF_FIELD.search(html).group(1) == fay.token(fay.controls())  # type: ignore[union-attr]
    finally:
        listener.close()
        close_all([fay.client])


@pytest.mark.parametrize("view", ["odd<x>", "x" * 500, "Present"])
def test_push_controls_unknown_view_is_refused_cleanly(server: str, view: str) -> None:
    fay = Presenter(server, "fay@example.com", ["standup"])
    try:
        answer = fay.client.get(f"{fay.url}/events", params={"view": view})
        assert answer.status_code == 422 and "Traceback" not in answer.text
        assert "text/event-stream" not in answer.headers["content-type"]
    finally:
        close_all([fay.client])
