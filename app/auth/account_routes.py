"""Routes: /account (see your details, change your password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import account, service
from app.auth.cookies import set_session_cookie
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Invalid
from app.web.deps import SettingsDep
from app.web.forms import Password, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()


@router.get("/account")
def account_page(request: Request, user: CurrentUser) -> Response:
    return render(
        request,
        "auth/account.html",
        {"person": user, "changed": request.query_params.get("changed")},
    )


def _password_again(request: Request, _session: Session, form: Submitted) -> Response:
    context = {"person": request.state.user, "errors": form.errors}
    return render(request, "auth/account.html", context, status_code=422)


@router.post("/account/password")
@form_page(_password_again)
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    current_password: Annotated[str, Password("Current password")],
    new_password: Annotated[str, Password("New password")],
    confirm_password: Annotated[str, Password("New password again")],
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
