"""Facilitator controls for who is in the room: the expected headcount, and waiting phones."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.live import admission
from app.live.controls import CONTROLS, Facilitator, back_to, control_again, controlled
from app.web.announce import announce
from app.web.forms import Hidden, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import is_htmx

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


@router.post("/live/{session_id:int}/admission/ticket")
@form_page(control_again)
def decide_ticket(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    decision: Annotated[str, Hidden(max_length=9, pattern="^(let_in|turn_away)$")],
    ticket: Annotated[str, Form(title="Ticket", max_length=20)] = "",
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    """Let in or turn away a phone by the 4 characters it shows: any waiting phone, listed or
    not, and a phone turned away by mistake."""
    view = view if view in CONTROLS else "session"
    let_in = decision == "let_in"
    try:
        shown = admission.decide_ticket(
            session, user=user, session_id=session_id, raw=ticket, let_in=let_in
        )
    except (Invalid, Conflict) as exc:
        problem = exc.fields.get("ticket", exc.message)
        again = control_again(
            request, session, Submitted({"view": view, "ticket": ticket}, {"ticket": problem})
        )
        again.status_code = exc.status_code
        return again
    done = f"Phone {shown} " + ("let in." if let_in else "turned away.")
    if is_htmx(request):  # the fragment with the message, announced by the page's live region
        page = control_again(request, session, Submitted({"view": view}, {}))
        page.status_code = 200
        return announce(page, done, focus="#admission-ticket-" + view)
    return back_to(session_id, view)
