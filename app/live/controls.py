"""What the facilitator's control routes share: the join address, the view context, redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import require_role
from app.auth.lookup import UserRow
from app.errors import DomainError, Invalid
from app.live import facilitator, qr
from app.live.moves import StepMoved
from app.live.stage import Stage
from app.live.web import no_store
from app.web.deps import SettingsDep
from app.web.forms import FORM, Submitted
from app.web.templating import render

Facilitator = Annotated[UserRow, require_role("facilitator", "admin")]
# The projector shows the room and no controls; the laptop's session page and the phone
# remote hold the controls (and share their polled fragment).
VIEWS = {
    "present": ("live/present.html", "live/_stage.html"),
    "remote": ("live/remote.html", "live/_remote.html"),
    "session": ("live/session.html", "live/_remote.html"),
}
CONTROLS = ("session", "remote")  # the views with controls; a press answers with one of them
MOVED = "moved"


async def base_url(settings: SettingsDep) -> str:
    """The configured public address, never the request's Host header (which anyone can set)."""
    return settings.public_url


BaseUrl = Annotated[str, Depends(base_url)]


def control_context(stage: Stage, base: str) -> dict[str, object]:
    live = stage.live
    return {
        "stage": stage,
        "live": live,
        "etag": facilitator.control_etag(live, stage.admissions, stage.voted, stage.prompt),
        "join_url": qr.join_url(base, live.code),
        "short_url": qr.short_url(base),
    }


def control_again(request: Request, session: Session, form: Submitted) -> Response:
    """The presenter or remote view the control was used from, with the problems."""
    state = request.app.state
    view = form.get("view") if form.get("view") in CONTROLS else "session"
    session_id = int(request.path_params["session_id"])
    stage = facilitator.session_stage(
        session, state.catalog, user=request.state.user, session_id=session_id
    )
    context = control_context(stage, state.settings.public_url)
    context |= {"view": view, "moved": False, "errors": form.errors, "sent": form.values}
    page, fragment = VIEWS[view]
    response = render(request, page, context, fragment=fragment, status_code=422)
    return no_store(response)


def view_path(session_id: int, view: str) -> str:
    """/live/1/remote for the remote, else /live/1: the session page (the projector has no
    controls, so a press never lands there)."""
    return f"/live/{session_id}" + ("/remote" if view == "remote" else "")


def back_to(session_id: int, view: str, *, moved: bool = False) -> Response:
    """Redirect to the view the control was used from (htmx follows it and swaps the fragment)."""
    target = view_path(session_id, view)
    return RedirectResponse(target + (f"?moved={MOVED}" if moved else ""), status_code=303)


def refused(request: Request, session: Session, view: str, exc: DomainError) -> Response:
    """The view the control was used from, saying why nothing changed."""
    response = control_again(request, session, Submitted({"view": view}, {FORM: exc.message}))
    response.status_code = exc.status_code
    return response


def controlled(
    request: Request,
    session: Session,
    session_id: int,
    view: str,
    act: Callable[[], object],
    *,
    refuse: tuple[type[DomainError], ...] = (Invalid,),
) -> Response:
    """Run a control's `act`: back to its view, or the view again saying why nothing changed.

    A press on a step the session has already left goes back with the "moved on" notice.
    """
    try:
        act()
    except StepMoved:
        return back_to(session_id, view, moved=True)
    except refuse as exc:
        return refused(request, session, view, exc)
    return back_to(session_id, view)
