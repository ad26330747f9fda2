"""HR actions on one person: a sign-in link or a reset e-mail, deactivate or reactivate, role change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import invites
from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.errors import Invalid
from app.hr import person
from app.hr.routes.common import hr_router
from app.web.deps import SettingsDep
from app.web.forms import Choice, Confirm, Hidden, Submitted, confirmed, form_page
from app.web.inputs import WholeNumber
from app.web.templating import render

router = hr_router()


@router.post("/people/{user_id}/invite")
def new_invite_link(
    request: Request,
    user_id: WholeNumber,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    invited, link = invites.issue_link(session, settings, actor=user, user_id=user_id)
    context = {"person": invited, "link": link, "days": settings.invite_valid_days}
    return render(request, "hr/invite_link.html", context)


@router.post("/people/{user_id}/reset-email")
def send_reset_email(user_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    invites.queue_reset_email(session, actor=user, user_id=user_id)
    return RedirectResponse(f"/hr/people/{user_id}?reset=queued#account", status_code=303)


def _person_again(request: Request, session: Session, form: Submitted) -> Response:
    """The person's page, where the account forms live, with the problems."""
    user_id = int(request.path_params["user_id"])
    detail = person.person_detail(session, request.app.state.catalog, user_id=user_id)
    context = {"d": detail, "errors": form.errors}
    return render(request, "hr/person.html", context, status_code=422)


UNCONFIRMED = (
    "Deactivate: tick “Yes, deactivate them” to confirm. They are signed out everywhere and "
    "can no longer sign in; their records stay, and you can reactivate them. Nothing was changed."
)


@router.post("/people/{user_id}/active")
@form_page(_person_again)
def set_active(
    request: Request,
    user_id: WholeNumber,
    session: SessionDep,
    user: CurrentUser,
    active: Annotated[str, Hidden(max_length=5)],
    confirm: Confirm = "",
) -> Response:
    """Deactivating asks first (a ticked box, as the bulk action does); reactivating does not."""
    if active not in ("yes", "no"):
        raise Invalid("active: send “yes” to reactivate or “no” to deactivate.")
    if active == "no" and not confirmed(confirm):
        return _person_again(request, session, Submitted(errors={"confirm": UNCONFIRMED}))
    person.set_active(session, actor=user, user_id=user_id, active=active == "yes")
    return RedirectResponse(f"/hr/people/{user_id}", status_code=303)


@router.post("/people/{user_id}/role", dependencies=[require_role("admin")])
@form_page(_person_again)
def change_role(
    user_id: WholeNumber,
    session: SessionDep,
    user: CurrentUser,
    role: Annotated[str, Choice("Role", max_length=20)],
) -> Response:
    person.change_role(session, actor=user, user_id=user_id, role=role)
    return RedirectResponse(f"/hr/people/{user_id}", status_code=303)
