"""Unassigning one module from one person: a confirmation page, then the removal (history kept)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import NotFound
from app.hr import unassign
from app.hr.routes.common import hr_router
from app.models import Assignment, User
from app.web.deps import CatalogDep
from app.web.inputs import WholeNumber
from app.web.templating import render

router = hr_router()
MODULE_ID = "module_id"


def _found(session: Session, user_id: int, module_id: str) -> tuple[User, Assignment]:
    person = session.get(User, user_id)
    assignment = session.exec(
        select(Assignment).where(Assignment.user_id == user_id, Assignment.module_id == module_id)
    ).first()
    if person is None or assignment is None:
        raise NotFound("That assignment is not there any more; go back to the person's page.")
    return person, assignment


@router.get("/people/{user_id}/assignments/{module_id}/remove")
def confirm_unassign(
    request: Request,
    user_id: WholeNumber,
    module_id: str,
    session: SessionDep,
    catalog: CatalogDep,
) -> Response:
    person, assignment = _found(session, user_id, module_id[:100])
    module = catalog.get(module_id)
    context = {
        "person": person,
        "assignment": assignment,
        "title": module.title if module else module_id,
        "module_id": module_id,
    }
    return render(request, "hr/unassign_confirm.html", context)


@router.post("/people/{user_id}/assignments/{module_id}/remove")
def do_unassign(
    user_id: WholeNumber, module_id: str, session: SessionDep, user: CurrentUser
) -> Response:
    person, _assignment = _found(session, user_id, module_id[:100])
    unassign.unassign(session, user=person, module_id=module_id, actor_id=user.id, via="web")
    return RedirectResponse(f"/hr/people/{user_id}?saved=unassigned", status_code=303)
