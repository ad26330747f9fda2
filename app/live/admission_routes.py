"""Facilitator controls for who is in the room: the expected headcount, and waiting phones."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.live import admission
from app.live.controls import Facilitator, control_again, controlled
from app.web.forms import Hidden, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router

router = checked_router()
EVERYONE = "all"


@router.post("/live/{session_id:int}/headcount")
@form_page(control_again)
def headcount(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    headcount: Annotated[int, Form(title="People you expect", ge=1, le=1000)],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    def act() -> None:
        admission.set_headcount(session, user=user, session_id=session_id, headcount=headcount)

    return controlled(request, session, session_id, view, act)


@router.post("/live/{session_id:int}/admission")
@form_page(control_again)
def decide(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    decision: Annotated[str, Hidden(max_length=9, pattern="^(let_in|turn_away)$")],
    # ASCII digits, fewer than 10 of them: an id that fits PostgreSQL's integer.
    participant: Annotated[str, Hidden(max_length=9, pattern=r"^(all|[0-9]{1,9})$")],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    """Let a waiting phone (or every waiting phone) in, or turn it away."""

    def act() -> None:
        admission.decide(
            session,
            user=user,
            session_id=session_id,
            participant_id=None if participant == EVERYONE else int(participant),
            let_in=decision == "let_in",
        )

    return controlled(request, session, session_id, view, act, refuse=(Invalid, Conflict))
