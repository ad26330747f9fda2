"""Routes: /login and /logout."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import kept, reset, service
from app.auth.cookies import kept_cookie_name, set_session_cookie
from app.db import SessionDep
from app.deps import OptionalUser, SettingsDep, session_cookie_name
from app.errors import TooManyRequests
from app.forms import Hidden, Password, Submitted, form_page
from app.request_checks import checked_router
from app.templating import render

router = checked_router()
log = logging.getLogger("allyship.auth")


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_out(request: Request, session: Session) -> str:
    """Why this browser's sign-in ended, when it sent a form that is being kept (or "")."""
    settings = request.app.state.settings
    return kept.notice(session, settings, request.cookies.get(kept_cookie_name(settings)))


@router.get("/login")
def login_page(
    request: Request, user: OptionalUser, session: SessionDep, next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(service.safe_next(next), status_code=303)
    context = {
        "next": service.safe_next(next),
        "email": "",
        "notice": _signed_out(request, session),
    }
    return render(request, "auth/login.html", context)


def _login_again(request: Request, session: Session, form: Submitted) -> Response:
    context = {
        "next": service.safe_next(form.get("next", "/")),
        "email": form.get("email"),
        "errors": form.errors,
        "notice": _signed_out(request, session),
    }
    return render(request, "auth/login.html", context, status_code=422)


@router.post("/login")
@form_page(_login_again)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320, title="Work email")],
    password: Annotated[str, Password("Password")],
    next: Annotated[str, Hidden(max_length=2000)] = "/",
) -> Response:
    context = {
        "next": service.safe_next(next),
        "email": email,
        "notice": _signed_out(request, session),
    }
    try:
        user = service.authenticate(
            session, settings, email=email, password=password, address=_client_address(request)
        )
    except service.LoginFailed as exc:
        log.info(
            "sign-in failed id=%s address=%s", request.state.request_id, _client_address(request)
        )
        return render(request, "auth/login.html", {**context, "error": str(exc)}, status_code=422)
    except TooManyRequests as exc:
        log.warning(
            "sign-in refused (throttled) id=%s address=%s",
            request.state.request_id,
            _client_address(request),
        )
        return render(
            request, "auth/login.html", {**context, "error": exc.message}, status_code=429
        )
    log.info("sign-in ok id=%s user=%s", request.state.request_id, user.id)
    cookie = session_cookie_name(settings)
    token = service.open_session(
        session, settings, user=user, replace_token=request.cookies.get(cookie)
    )
    response = RedirectResponse(service.safe_next(next), status_code=303)
    set_session_cookie(response, settings, token)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    cookie = session_cookie_name(settings)
    if token := request.cookies.get(cookie):
        service.close_session(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie, path="/", secure=settings.https, httponly=True, samesite="lax")
    return response


@router.get("/password-reset")
def password_reset_page(request: Request) -> Response:
    return render(request, "auth/password_reset.html", {"sent": False, "email": ""})


def _reset_again(request: Request, _session: Session, form: Submitted) -> Response:
    context = {"sent": False, "email": form.get("email"), "errors": form.errors}
    return render(request, "auth/password_reset.html", context, status_code=422)


@router.post("/password-reset")
@form_page(_reset_again)
def password_reset(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320, title="Work email")],
) -> Response:
    reset.request_reset(session, email=email)
    answer = reset.ANSWER.format(minutes=settings.password_reset_minutes)
    return render(
        request, "auth/password_reset.html", {"sent": True, "answer": answer, "email": ""}
    )
