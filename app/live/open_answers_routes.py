"""Routes for open answers: the facilitator opens, closes and moderates; phones send text."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import OptionalUser
from app.db import SessionDep
from app.errors import Conflict, Invalid, NotFound
from app.live import open_answers, participant
from app.live.controls import Facilitator, back_to, control_again, controlled
from app.live.participant_routes import (
    Address,
    RoomRequest,
    Token,
    room_again,
    room_with,
)
from app.models.live_answers import TEXT_MAX
from app.web.announce import announce
from app.web.deps import CatalogDep
from app.web.forms import FORM, Hidden, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import is_htmx

router = checked_router()
SENT = "Answer sent anonymously"


@router.post("/live/{session_id:int}/answers/open")
@form_page(control_again)
def open_prompt(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    kind: Annotated[str, Hidden(max_length=12, pattern="^(say|questions|commitments)$")],
    version: Annotated[WholeNumber, Hidden()],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    def act() -> None:
        open_answers.open_prompt(
            session, user=user, session_id=session_id, kind=kind, seen_version=version
        )

    return controlled(request, session, session_id, view, act)


@router.post("/live/{session_id:int}/answers/close")
@form_page(control_again)
def close_prompt(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    version: Annotated[WholeNumber, Hidden()],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    def act() -> None:
        open_answers.close_prompt(session, user=user, session_id=session_id, seen_version=version)

    return controlled(request, session, session_id, view, act)


@router.post("/live/{session_id:int}/answers/{answer_id:int}")
@form_page(control_again)
def moderate(
    request: Request,
    session_id: WholeNumber,
    answer_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    decision: Annotated[str, Hidden(max_length=7, pattern="^(approve|hide)$")],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    """Approve (shown on the projector once five answers exist) or hide one answer."""
    open_answers.moderate(
        session, user=user, session_id=session_id, answer_id=answer_id, decision=decision
    )
    return back_to(session_id, view)


@router.post("/j/{code}/answer")
@form_page(room_again)
def send(
    request: Request,
    code: str,
    session: SessionDep,
    catalog: CatalogDep,
    user: OptionalUser,
    token: Token,
    address: Address,
    # Room for what phones may send around the limit; clean() explains the limit itself.
    answer: Annotated[str, Form(max_length=TEXT_MAX * 8, title="Your answer")] = "",
) -> Response:
    here = RoomRequest(request, session, catalog, user, token, code, address)
    try:
        open_answers.send_answer(
            session, code=code, token=token, text=answer, address=address, user=user
        )
    except Invalid as exc:
        extra = {"errors": exc.fields or {FORM: exc.message}, "sent": {"answer": answer}}
        return room_with(here, status=exc.status_code, **extra)
    except (Conflict, NotFound) as exc:
        return room_with(here, problem=exc.message, status=exc.status_code)
    if is_htmx(request):
        return announce(room_with(here, answered=True), SENT, focus="#answer-sent")
    return RedirectResponse(f"/j/{participant.normalise_code(code)}", status_code=303)
