"""Participant routes under /j: enter a code, join, follow the room, vote, write a commitment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import OptionalUser
from app.auth.lookup import AnyUser
from app.content.catalog import Catalog
from app.db import SessionDep
from app.errors import Conflict, DomainError, Invalid, NotFound, TooManyRequests
from app.lasting.routes import Action, Situation
from app.live import participant
from app.live.stage import Unchanged
from app.live.web import Started, no_store, not_modified
from app.web.announce import announce
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import Choice, Hidden, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import is_htmx, render

router = checked_router()
ROOM_PAGE, ROOM_FRAGMENT = "live/room.html", "live/_room.html"
SAVED = "Commitment saved as your plan on My commitments"
NOT_STORED = "Your commitment was not stored: it is shown below for you to copy"


async def participant_token(request: Request) -> str | None:
    return request.cookies.get(participant.COOKIE)


def client_address(request: Request) -> str:
    """The address code guessing is counted against (the proxy's X-Forwarded-For when trusted)."""
    return request.client.host if request.client else "unknown"


async def address_of(request: Request) -> str:
    return client_address(request)


Token = Annotated[str | None, Depends(participant_token)]
Address = Annotated[str, Depends(address_of)]


def _entry_page(
    request: Request, exc: DomainError, code: str = "", *, sign_in: bool = False
) -> Response:
    """The enter-a-code page with what went wrong (unknown code, ended session, throttled)."""
    context = {"problem": exc.message, "code": code, "title": "Join a group session"}
    if sign_in:
        context["sign_in_next"] = f"/j/{participant.normalise_code(code)}"
    return no_store(render(request, "live/enter.html", context, status_code=exc.status_code))


def _waiting_page(
    request: Request,
    waiting: participant.Waiting,
    status: int = 200,
    since: float | None = None,
    problem: object = "",
) -> Response:
    """ "Waiting for the facilitator to let you in" (or turned away); polls like the room."""
    context = {"waiting": waiting, "code": waiting.live.code, "problem": problem}
    response = render(
        request, "live/waiting.html", context, fragment="live/_waiting.html", status_code=status
    )
    return no_store(response, etag=waiting.etag, since=since)


@router.get("/j")
def enter_code(request: Request, code: str = "") -> Response:
    if not code:
        return no_store(render(request, "live/enter.html", {"code": "", "problem": ""}))
    normal = participant.normalise_code(code)
    if not participant.is_code(normal):
        return _entry_page(request, NotFound(participant.UNKNOWN_CODE), code[:12])
    return RedirectResponse(f"/j/{normal}", status_code=303)


@router.get("/j/{code}")
def room_page(
    request: Request,
    code: str,
    since: Started,
    session: SessionDep,
    catalog: CatalogDep,
    user: OptionalUser,
    token: Token,
    address: Address,
    saved: str = "",
    joined: str = "",
) -> Response:
    known = request.headers.get("If-None-Match", "") if is_htmx(request) else ""
    try:
        found = participant.enter(
            session, catalog, code=code, token=token, user=user, address=address, known_etag=known
        )
    except (participant.SessionEnded, NotFound, TooManyRequests) as exc:
        return _entry_page(request, exc, code[:12])
    if isinstance(found, Unchanged):
        return not_modified(found.etag, since)
    if isinstance(found, participant.Waiting):
        return _waiting_page(request, found, since=since)
    if isinstance(found, participant.Invitation):
        # Back from joining without the cookie: the browser refuses cookies, so say so.
        no_cookie = joined == "1" and token is None
        invitation = {"invite": found, "user": user, "no_cookie": no_cookie}
        return no_store(render(request, "live/join.html", invitation))
    context = room_context(found, user) | {"saved": saved == "1"}
    response = render(request, ROOM_PAGE, context, fragment=ROOM_FRAGMENT)
    return no_store(response, etag=found.etag, since=since)


def _room_again(request: Request, session: Session, form: Submitted) -> Response:
    """The room, or the invitation to join it, with the problems; what was typed is kept."""
    user = request.state.user
    found = participant.enter(
        session,
        request.app.state.catalog,
        code=request.path_params["code"],
        token=request.cookies.get(participant.COOKIE),
        user=user,
        address=client_address(request),
    )
    if isinstance(found, participant.Waiting):
        return _waiting_page(request, found, 422)
    if isinstance(found, participant.RoomView):
        extra = {"errors": form.errors, "sent": form.values}
        return _render_room(request, found, user, 422, extra=extra)
    context = {"invite": found, "user": user, "errors": form.errors}
    return no_store(render(request, "live/join.html", context, status_code=422))


@router.post("/j/{code}/join")
@form_page(_room_again)
def join(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    token: Token,
    address: Address,
    attendance: Annotated[str, Choice("Record my attendance", max_length=5)] = "",
) -> Response:
    try:
        new_token = participant.join(
            session,
            code=code,
            token=token,
            user=user,
            record_attendance=attendance == "yes",
            address=address,
        )
    except participant.SignInToVote as exc:
        return _entry_page(request, exc, code[:12], sign_in=True)
    except DomainError as exc:
        return _entry_page(request, exc, code[:12])
    response = RedirectResponse(f"/j/{participant.normalise_code(code)}?joined=1", status_code=303)
    response.set_cookie(
        participant.COOKIE,
        new_token,
        max_age=participant.COOKIE_HOURS * 3600,
        path=participant.COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    return response


@router.post("/j/{code}/vote")
@form_page(_room_again)
def vote(
    request: Request,
    code: str,
    since: Started,
    session: SessionDep,
    catalog: CatalogDep,
    user: OptionalUser,
    token: Token,
    address: Address,
    scenario_id: Annotated[str, Hidden(max_length=100)],
    choice: Annotated[str, Hidden(max_length=100)] = "",
) -> Response:
    here = RoomRequest(request, session, catalog, user, token, code, address)
    try:
        view = participant.cast_vote(
            session,
            catalog,
            code=code,
            token=token,
            scenario_id=scenario_id,
            choice_id=choice,
            address=address,
            user=user,
        )
    except (participant.VoteRefused, participant.NotAdmitted, Invalid) as exc:
        return _room_with(here, problem=exc.message, status=exc.status_code)
    if is_htmx(request):  # the poll's ETag has not changed, so answer with the new fragment
        response = _render_room(request, view, user, since=since)
        return announce(
            response, f"Vote recorded: {_option_name(view, choice)}", focus="#vote-status"
        )
    return RedirectResponse(f"/j/{participant.normalise_code(code)}", status_code=303)


@router.post("/j/{code}/commitment")
@form_page(_room_again)
def commitment(
    request: Request,
    code: str,
    session: SessionDep,
    catalog: CatalogDep,
    user: OptionalUser,
    token: Token,
    address: Address,
    situation: Situation = "",
    action: Action = "",
) -> Response:
    here = RoomRequest(request, session, catalog, user, token, code, address)
    try:
        plan, stored = participant.save_commitment(
            session,
            code=code,
            token=token,
            user=user,
            situation=situation,
            action=action,
            address=address,
        )
    except Invalid as exc:
        extra = {
            "errors": exc.fields or {"form": exc.message},
            "sent": {"situation": situation, "action": action},
        }
        return _room_with(here, status=exc.status_code, **extra)
    except Conflict as exc:
        return _room_with(here, problem=exc.message, status=exc.status_code)
    if not stored:  # not signed in: nothing is kept, so show it back once for the person to copy
        kept = f"If {plan.situation}, then I will {plan.action}."
        return announce(_room_with(here, kept=kept), NOT_STORED, focus="#commitment-kept")
    if is_htmx(request):
        return announce(_room_with(here, saved=True), SAVED, focus="#commitment-saved")
    return RedirectResponse(f"/j/{participant.normalise_code(code)}?saved=1", status_code=303)


@dataclass(frozen=True)
class RoomRequest:
    request: Request
    session: Session
    catalog: Catalog
    user: AnyUser | None
    token: str | None
    code: str
    address: str


def _room_with(here: RoomRequest, *, status: int = 200, **extra: object) -> Response:
    """The room as it is now, with what was refused, saved, or kept only on screen."""
    found = participant.enter(
        here.session,
        here.catalog,
        code=here.code,
        token=here.token,
        user=here.user,
        address=here.address,
    )
    if isinstance(found, participant.Waiting):
        return _waiting_page(here.request, found, status, problem=extra.get("problem", ""))
    if not isinstance(found, participant.RoomView):
        raise NotFound("Join the session first.")
    return _render_room(here.request, found, here.user, status, extra=extra)


def _render_room(
    request: Request,
    view: participant.RoomView,
    user: AnyUser | None,
    status: int = 200,
    since: float | None = None,
    *,
    extra: Mapping[str, object] | None = None,
) -> Response:
    """The room page; `extra` adds to its template context (kept apart from the arguments)."""
    context = {**room_context(view, user), **(extra or {})}
    response = render(request, ROOM_PAGE, context, fragment=ROOM_FRAGMENT, status_code=status)
    return no_store(response, etag=view.etag, since=since)


def _option_name(view: participant.RoomView, choice_id: str) -> str:
    """ "option B": the letter the phone, the projector and the results show for this choice."""
    scenario = view.stage.scenario
    ids = [c.id for c in scenario.choices] if scenario else []
    return f"option {'ABCDEFGH'[ids.index(choice_id)]}" if choice_id in ids else "your choice"


def room_context(found: participant.RoomView, user: AnyUser | None) -> dict[str, object]:
    return {"view": found, "stage": found.stage, "code": found.stage.live.code, "user": user}


# The open-answers routes (app/live/open_answers_routes.py) answer with the same room.
room_again, room_with = _room_again, _room_with
