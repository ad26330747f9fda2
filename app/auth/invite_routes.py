"""The public invite page: a person opens their one-time link and sets a password."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import invites
from app.db import SessionDep
from app.web.forms import Password, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router(include_in_schema=False)
TOKEN_MAX = 100


@router.get("/invite/{token}")
def invite_page(request: Request, token: str, session: SessionDep) -> Response:
    _invite, user = invites.find(session, token=token[:TOKEN_MAX])
    return render(request, "auth/invite.html", {"person": user, "token": token, "errors": {}})


def _invite_again(request: Request, session: Session, form: Submitted) -> Response:
    token = request.path_params["token"]
    _invite, user = invites.find(session, token=token[:TOKEN_MAX])
    context = {"person": user, "token": token, "errors": form.errors}
    return render(request, "auth/invite.html", context, status_code=422)


@router.post("/invite/{token}")
@form_page(_invite_again)
def accept_invite(
    request: Request,
    token: str,
    session: SessionDep,
    password: Annotated[str, Password("New password")] = "",
    confirm: Annotated[str, Password("Password again")] = "",
) -> Response:
    try:
        invites.accept(session, token=token[:TOKEN_MAX], password=password, confirm=confirm)
    except invites.PasswordRefused as exc:
        return _invite_again(request, session, Submitted(errors={"password": exc.message}))
    return RedirectResponse("/login?welcome=1", status_code=303)
