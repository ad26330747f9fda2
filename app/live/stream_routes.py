"""The live rooms' event streams: /j/{code}/events for phones, /live/{id}/events for controls.

Async routes that never hold a database session or a thread: the checks are single reads
through the worker's hub, and the stream waits on the hub's one check (app/live/stream.py).
The fragments the streams send are rendered once per room version and view in the worker
(app/live/push_views.py) and given each stream's own CSRF token (and a phone's own vote).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from fastapi import Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from app.auth.lookup import UserRow, find_login
from app.db import RawQuery, Source, fetch_one
from app.errors import Forbidden, NotFound
from app.live import participant
from app.live.controls import Facilitator
from app.live.lookup import is_code, joined_as, normalise_code
from app.live.push_views import control_view, fill, phone_views
from app.live.stream import (
    HolderFull,
    Mark,
    Push,
    Still,
    StreamHub,
    StreamsFull,
    events,
    hub_of,
    read_marks,
)
from app.security import token_digest
from app.web.csrf import token_for
from app.web.deps import session_cookie_name
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router

router = checked_router()
RETRY_AFTER_S = 30
KNOWN_MAX = 80  # longer Last-Event-ID or ?since= values are ignored (a fresh event is sent)
# One answer whether the code is unknown, ended long ago or not joined by this phone: the
# stream tells nobody which rooms exist.
NOT_JOINED = "No room you are in uses this code. Join with the code on the screen first."
BUSY = "This server is following as many live rooms as it may; the page keeps updating by itself."
TOO_MANY = "This page is open in too many tabs here; it keeps updating by itself."
# Open streams one phone (participant), or one facilitator for one view, may hold in a worker:
# a tab or two and a reconnection, never the worker's whole cap (ALLYSHIP_LIVE_STREAMS_PER_WORKER).
PHONE_STREAMS = 3
CONTROL_STREAMS = 4

_PHONE_ROOM = RawQuery.of(
    """
    SELECT s.id, p.id, s.signin_to_vote, s.ended_at IS NOT NULL, s.voter_secret, p.voter_key
    FROM livesession s JOIN liveparticipant p ON p.session_id = s.id
    WHERE s.code = :code AND p.token_hash = :token_hash AND p.state = 'in'
    """
)
_ROOM_OWNER = RawQuery.of("SELECT facilitator_id FROM livesession WHERE id = :id")


@dataclass(frozen=True)
class PhoneRoom:
    """The room this phone was let into, and what tells whether its sign-in still holds."""

    room_id: int
    phone: int
    mark: Mark
    signin_to_vote: bool
    voter_secret: str | None
    voter_key: str | None

    def joined_by(self, user: UserRow | None) -> bool:
        """Whether this person may use the phone: anyone in an open room; in a sign-in room
        only the person who joined on it (as the room page and the vote check)."""
        return joined_as(
            self.signin_to_vote, self.mark.ended, self.voter_secret, self.voter_key, user
        )


def _phone_room(source: Source, code: str, token_hash: str) -> PhoneRoom | None:
    """The room this phone was let into, or None."""
    row = fetch_one(source, _PHONE_ROOM, {"code": code, "token_hash": token_hash})
    if row is None:
        return None
    room_id = int(row[0])
    mark = read_marks(source, [room_id])[room_id]
    return PhoneRoom(room_id, int(row[1]), mark, bool(row[2]), row[4], row[5])


def _signed_in(source: Source, request: Request) -> UserRow | None:
    """Who the request's sign-in cookie names while that sign-in holds (one read)."""
    settings = request.app.state.settings
    found = find_login(source, settings, request.cookies.get(session_cookie_name(settings)))
    return None if found is None else found[1]


class _Stream(StreamingResponse):
    """A stream that gives its place in the hub back however it ends, even if never started."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None]) -> None:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        super().__init__(content, media_type="text/event-stream", headers=headers)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()


def _owned_room(source: Source, room_id: int) -> tuple[int, Mark] | None:
    """(facilitator's id, mark) of a room, or None when there is no such room."""
    row = fetch_one(source, _ROOM_OWNER, {"id": room_id})
    return None if row is None else (int(row[0]), read_marks(source, [room_id])[room_id])


def _stream(
    request: Request,
    hub: StreamHub,
    room_id: int,
    mark: Mark,
    *,
    controls: bool,
    push: Push | None,
    holder: tuple[Hashable, int],
    still: Still | None = None,
) -> Response:
    """204 for an ended room (browsers then stop reconnecting), 503 over the worker's cap, 429
    over the holder's (a phone, or a facilitator's view), else events.

    Either refusal fails the browser's EventSource, and the page keeps polling (the htmx SSE
    extension retries later, static/js/live_stream.js polls meanwhile)."""
    if mark.ended:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    try:
        release = hub.admit(*holder)
    except StreamsFull:
        return PlainTextResponse(BUSY, status_code=503, headers=headers)
    except HolderFull:
        return PlainTextResponse(TOO_MANY, status_code=429, headers=headers)
    known = request.headers.get("Last-Event-ID") or request.query_params.get("since", "")
    stream = events(
        hub, room_id, mark, known[:KNOWN_MAX], controls=controls, push=push, still=still
    )
    return _Stream(_released(stream, release), release)


async def _released(stream: AsyncIterator[str], release: Callable[[], None]) -> AsyncIterator[str]:
    try:
        async for part in stream:
            yield part
    finally:
        release()


@router.get("/j/{code}/events")
async def phone_events(request: Request, code: str) -> Response:
    """Sends a phone in the room its new view (or `change`, to fetch its own); only phones let
    in may listen."""
    token = request.cookies.get(participant.COOKIE)
    normal = normalise_code(code)
    if not token or not is_code(normal):
        raise NotFound(NOT_JOINED)
    hub = hub_of(request.app.state)
    found: PhoneRoom | None = await hub.read(_phone_room, normal, token_digest(token))
    if found is None or (found.signin_to_vote and not found.joined_by(await _user(hub, request))):
        raise NotFound(NOT_JOINED)
    joined: PhoneRoom = found
    room_id, phone, mark = found.room_id, found.phone, found.mark
    app, csrf = request.app, token_for(request)
    signed_in = bool(request.cookies.get(session_cookie_name(app.state.settings)))
    make = partial(phone_views, app, room_id)

    async def push(now: Mark) -> str | None:
        views = await hub.shared(("phone", room_id, now.version), make)
        return None if views is None else views.for_phone(phone, csrf, signed_in=signed_in)

    async def still() -> bool:
        return joined.joined_by(await hub.read(_signed_in, request))

    return _stream(
        request,
        hub,
        room_id,
        mark,
        controls=False,
        push=push,
        holder=(("phone", phone), PHONE_STREAMS),
        still=still if found.signin_to_vote else None,
    )


async def _user(hub: StreamHub, request: Request) -> UserRow | None:
    """The signed-in person, from the request checks' lookup when they made one."""
    try:
        user: UserRow | None = request.state.user
    except AttributeError:
        return await hub.read(_signed_in, request)  # type: ignore[no-any-return]
    return user


@router.get("/live/{session_id:int}/events")
async def control_events(
    request: Request,
    session_id: WholeNumber,
    user: Facilitator,
    view: Literal["session", "present", "remote"] = Query("session", title="View"),
) -> Response:
    """Sends the presenter, session or remote page (`view`) its fragment when the room changes.

    An unknown `view` is refused (422), never followed with a default: a stream is long-lived.
    """
    hub = hub_of(request.app.state)
    found = await hub.read(_owned_room, session_id)
    if found is None:
        raise NotFound("There is no such group session.")
    owner, mark = found
    if owner != user.id and user.role != "admin":
        raise Forbidden("Only the facilitator who set up this session can follow it.")
    shown = view
    app, csrf = request.app, token_for(request)

    async def push(now: Mark) -> str | None:
        key = ("control", session_id, now.token(True), shown, user.id)
        make = partial(control_view, app, session_id, shown, user)
        html = await hub.shared(key, make)
        return None if html is None else fill(html, csrf)

    async def still() -> bool:
        now = await hub.read(_signed_in, request)
        return now is not None and now.id == user.id and now.role == user.role

    return _stream(
        request,
        hub,
        session_id,
        mark,
        controls=True,
        push=push,
        holder=(("control", user.id, shown), CONTROL_STREAMS),
        still=still,
    )
