"""Routes: /account (your details, password, the weekly team digest), /session/keep-alive."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from app.auth import account, service
from app.auth.cookies import set_session_cookie
from app.auth.deps import CurrentUser
from app.auth.lookup import UserRow
from app.auth.session_time import keep_alive, time_left
from app.db import SessionDep
from app.errors import NotFound
from app.web.deps import SettingsDep
from app.web.forms import Choice, Password, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()


def _digest_choice(session: Session, user: UserRow) -> bool | None:
    """The weekly-digest choice, for people with reports only (None: no such setting for them)."""
    if not getattr(user, "has_reports", False):
        return None
    return account.wants_digest(session, user_id=user.id)


@router.get("/account")
def account_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    context = {
        "person": user,
        "changed": request.query_params.get("changed"),
        "digest": _digest_choice(session, user),
    }
    return render(request, "auth/account.html", context)


def _password_again(request: Request, session: Session, form: Submitted) -> Response:
    user = request.state.user
    context = {"person": user, "errors": form.errors, "digest": _digest_choice(session, user)}
    return render(request, "auth/account.html", context, status_code=422)


def _digest_again(request: Request, session: Session, form: Submitted) -> Response:
    user = request.state.user
    context = {"person": user, "errors": form.errors, "digest": _digest_choice(session, user)}
    return render(request, "auth/account.html", context, status_code=422)


@router.post("/account/digest")
@form_page(_digest_again)
def choose_digest(
    session: SessionDep,
    user: CurrentUser,
    digest: Annotated[Literal["on", "off"], Choice("Weekly team digest")],
) -> Response:
    if not getattr(user, "has_reports", False):
        raise NotFound("Page not found.")
    account.choose_digest(session, user_id=user.id, wanted=digest == "on")
    return RedirectResponse("/account?digest=saved#digest", status_code=303)


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
    except account.PasswordProblem as exc:
        context = {
            "person": user,
            "errors": {exc.field: exc.message},
            "digest": _digest_choice(session, user),
        }
        return render(request, "auth/account.html", context, status_code=422)
    token = service.open_session(session, settings, user=user, replace_token=None)
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(response, settings, token)
    return response


@router.post("/session/keep-alive")
def stay_signed_in(request: Request, settings: SettingsDep, user: CurrentUser) -> Response:
    """ "Stay signed in" on the time-out warning: the idle time starts again, no reload."""
    login = request.state.login
    last_seen = keep_alive(request.app.state.engine, login)
    left = time_left(login, settings, last_seen=last_seen)
    body = {"seconds_left": left.seconds, "final": left.final}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
