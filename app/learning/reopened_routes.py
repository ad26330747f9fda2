"""Hiding a "what changed" note on the dashboard (the note is the signed-in learner's own)."""

from __future__ import annotations

from fastapi.responses import RedirectResponse, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.learning.reopened import hide_note
from app.models import row_id
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router

router = checked_router(include_in_schema=False)


@router.post("/changes/{note_id}/hide")
def hide_change_note(note_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    hide_note(session, user_id=row_id(user), note_id=note_id)
    return RedirectResponse("/?hidden=note", status_code=303)
