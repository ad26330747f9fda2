"""Routes: /account (see your details, change your password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import account, service
from app.auth.cookies import set_session_cookie
from app.db import SessionDep
from app.deps import CurrentUser, SettingsDep
from app.errors import Invalid
from app.templating import render

router = APIRouter()
PasswordField = Annotated[str, Form(max_length=1024)]


@router.get("/account")
def account_page(request: Request, user: CurrentUser) -> Response:
    return render(
        request,
        "auth/account.html",
        {"person": user, "changed": request.query_params.get("changed")},
    )


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    current_password: PasswordField,
    new_password: PasswordField,
    confirm_password: PasswordField,
) -> Response:
    try:
        account.change_password(
            session, user=user, current=current_password, new=new_password, confirm=confirm_password
        )
    except Invalid as exc:
        return render(
            request, "auth/account.html", {"person": user, "error": exc.message}, status_code=422
        )
    token = service.open_session(session, settings, user=user, replace_token=None)
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(response, settings, token)
    return response
