"""The views a stream sends inside its events: rendered once per room version per worker.

A rendering is shared by every stream of its room (and view) in this worker, so it holds no
one's own details: where a phone's CSRF token or participant id belong it holds slots, and
`fill` puts each stream's own in (the values are made per process, so no content can match).
The phone's own vote is not a slot: the room is rendered once for each choice phones made
(at most one per option, plus "no vote yet"), and a phone gets the one for its own choice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from app.auth.lookup import UserRow
from app.live import facilitator, participant, push
from app.live.controls import VIEWS, control_context
from app.live.participant_routes import ROOM_FRAGMENT, room_context
from app.live.stage import Unchanged
from app.web.templating import templates

CSRF_SLOT = "csrf" + secrets.token_hex(16)
PHONE_SLOT = "phone" + secrets.token_hex(16)


def fill(html: str, csrf: str, phone: int = 0) -> str:
    """One stream's copy of a shared rendering: its own CSRF token and participant id."""
    return html.replace(CSRF_SLOT, csrf).replace(PHONE_SLOT, str(phone))


@dataclass(frozen=True)
class PhoneViews:
    """The room's fragment for each choice made on the current scenario (None: no vote)."""

    by_choice: dict[str | None, str]
    choices: dict[int, str]
    signed_out_only: bool  # the wrap-up and the end: a signed-in phone fetches its own

    def for_phone(self, participant_id: int, csrf: str, *, signed_in: bool) -> str | None:
        if signed_in and self.signed_out_only:
            return None
        html = self.by_choice[self.choices.get(participant_id)]
        return fill(html, csrf, participant_id)


def _request(app: Any, path: str) -> Request:
    """A request for templates only: an htmx fetch with the CSRF slot as its token."""
    scope = {
        "type": "http",
        "app": app,
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"hx-request", b"true")],
        "state": {"csrf_token": CSRF_SLOT},
    }
    return Request(scope)


def _render(request: Request, name: str, context: dict[str, object]) -> str:
    return templates.get_template(name).render({"request": request, **context})


def phone_views(app: Any, room_id: int) -> PhoneViews | None:
    """The shared phone fragments of a room now, or None when each phone fetches its own."""
    with Session(app.state.engine, expire_on_commit=False) as session:
        room = push.shared_room(session, app.state.catalog, room_id)
        if room is None:
            return None
        live = room.stage.live
        request = _request(app, f"/j/{live.code}")
        etag = participant.room_etag(room_id, live.version, PHONE_SLOT)
        pages: dict[str | None, str] = {}
        for choice in {None, *room.choices.values()}:
            view = participant.RoomView(room.stage, 0, choice, None, etag)
            pages[choice] = _render(request, ROOM_FRAGMENT, room_context(view, None))
    return PhoneViews(pages, room.choices, room.signed_out_only)


def control_view(app: Any, room_id: int, view: str, user: UserRow) -> str:
    """The fragment of the projector, the session page or the remote (slot for the CSRF token)."""
    state = app.state
    with Session(state.engine, expire_on_commit=False) as session:
        stage = facilitator.control_stage(session, state.catalog, user=user, session_id=room_id)
        if isinstance(stage, Unchanged):  # never: no ETag was given
            raise TypeError("a stage asked for without an ETag is always built")
        context = control_context(stage, state.settings.public_url) | {"view": view, "moved": False}
        path = f"/live/{room_id}" + ("" if view == "session" else f"/{view}")
        return _render(_request(app, path), VIEWS[view][1], context)
