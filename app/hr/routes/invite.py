"""The public invite page: a person opens their one-time link and sets a password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep
from app.hr import invites
from app.templating import render

router = APIRouter(include_in_schema=False)
TOKEN_MAX = 100


@router.get("/invite/{token}")
def invite_page(request: Request, token: str, session: SessionDep) -> Response:
    _invite, user = invites.find(session, token=token[:TOKEN_MAX])
    return render(request, "hr/invite.html", {"person": user, "token": token, "error": ""})


@router.post("/invite/{token}")
def accept_invite(
    request: Request,
    token: str,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        invites.accept(session, token=token[:TOKEN_MAX], password=password, confirm=confirm)
    except invites.PasswordRefused as exc:
        _invite, user = invites.find(session, token=token[:TOKEN_MAX])
        context = {"person": user, "token": token, "error": exc.message}
        return render(request, "hr/invite.html", context, status_code=422)
    return RedirectResponse("/login?welcome=1", status_code=303)
