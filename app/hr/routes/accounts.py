"""HR actions on one person: a new invite link, deactivate or reactivate, role change (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep
from app.deps import CurrentUser, SettingsDep, require_role
from app.hr import invites, person
from app.hr.routes.common import hr_router
from app.templating import render

router = hr_router()


@router.post("/people/{user_id}/invite")
def new_invite_link(
    request: Request,
    user_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    invited, link = invites.issue_link(session, settings, actor_id=user.id, user_id=user_id)
    context = {"person": invited, "link": link, "days": settings.invite_valid_days}
    return render(request, "hr/invite_link.html", context)


@router.post("/people/{user_id}/active")
def set_active(
    user_id: int,
    session: SessionDep,
    user: CurrentUser,
    active: Annotated[str, Form(max_length=5)],
) -> Response:
    person.set_active(session, actor=user, user_id=user_id, active=active == "yes")
    return RedirectResponse(f"/hr/people/{user_id}", status_code=303)


@router.post("/people/{user_id}/role", dependencies=[require_role("admin")])
def change_role(
    user_id: int,
    session: SessionDep,
    user: CurrentUser,
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    person.change_role(session, actor=user, user_id=user_id, role=role)
    return RedirectResponse(f"/hr/people/{user_id}", status_code=303)
