"""Routes: /login and /logout."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth import kept, reset, service
from app.auth.cookies import kept_cookie_name, set_pending_cookie, signed_in_redirect
from app.auth.deps import OptionalUser
from app.auth.landing import landing, safe_next
from app.auth.sso_config import read_config
from app.auth.sso_routes import sso_offer
from app.db import SessionDep, run_batched_write, run_read
from app.errors import TooManyRequests
from app.ops import proxies
from app.web.deps import SettingsDep, session_cookie_name
from app.web.forms import Hidden, Password, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
SECOND_FACTOR_PAGE = "/sign-in/second-factor"
log = logging.getLogger("allyship.auth")
SSO_ONLY = (
    "Passwords are turned off here: use “Sign in with your organisation account”. "
    "Only the break-glass admin signs in with a password."
)


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_out(request: Request, session: Session) -> str:
    """Why this browser's sign-in ended, when it sent a form that is being kept (or "")."""
    settings = request.app.state.settings
    return kept.notice(session, settings, request.cookies.get(kept_cookie_name(settings)))


async def _notice_off_loop(request: Request) -> str:
    """The kept-form notice for a refused sign-in, read in a thread on a session of its own."""
    if not request.cookies.get(kept_cookie_name(request.app.state.settings)):
        return ""
    return await run_in_threadpool(_notice_in_own_session, request)


def _notice_in_own_session(request: Request) -> str:
    with Session(request.app.state.engine) as session:
        return _signed_out(request, session)


@router.get("/login")
def login_page(
    request: Request, user: OptionalUser, session: SessionDep, next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(landing(user.role, next), status_code=303)
    context = {
        "next": safe_next(next),
        "email": "",
        "notice": _signed_out(request, session),
        **sso_offer(session, request.app.state.settings),
    }
    return render(request, "auth/login.html", context)


def _login_again(request: Request, session: Session, form: Submitted) -> Response:
    context = {
        "next": safe_next(form.get("next", "/")),
        "email": form.get("email"),
        "errors": form.errors,
        "notice": _signed_out(request, session),
        **sso_offer(session, request.app.state.settings),
    }
    return render(request, "auth/login.html", context, status_code=422)


@router.post("/login")
@form_page(_login_again)
async def login(
    request: Request,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320, title="Work email")],
    password: Annotated[str, Password("Password")],
    next: Annotated[str, Hidden(max_length=2000)] = "/",
) -> Response:
    # `async`: argon2 runs on its own threads (service.verify_off_loop) and no transaction
    # is open meanwhile; the throttle reads and the two short writes go through the
    # worker's read connection and writer (app/db/reads.py, app/db/group_commit.py).
    sso = await run_read(request, read_config, settings)
    context = {"next": safe_next(next), "email": email, "sso": sso.active, "sso_only": sso.sso_only}
    if sso.sso_only and service.normalise_email(email) != sso.break_glass_email.strip().lower():
        # Passwords are off but for the break-glass admin (app/auth/sso_config.py).
        return render(request, "auth/login.html", {**context, "error": SSO_ONLY}, status_code=403)
    address = _client_address(request)
    client = (request.client.host, request.client.port) if request.client else None
    if sighting := proxies.untrusted_forwarder(client, request.headers):
        await run_batched_write(request, partial(proxies.record_sighting, sighting=sighting))
    try:
        signed_in = await service.sign_in(
            partial(run_read, request),
            partial(run_batched_write, request),
            settings,
            email=email,
            password=password,
            address=address,
            replace_token=request.cookies.get(session_cookie_name(settings)),
            target=safe_next(next),
        )
    except service.LoginFailed as exc:
        log.info("sign-in failed id=%s address=%s", request.state.request_id, address)
        context["notice"] = await _notice_off_loop(request)
        return render(request, "auth/login.html", {**context, "error": str(exc)}, status_code=422)
    except TooManyRequests as exc:
        log.warning(
            "sign-in refused (throttled) id=%s address=%s", request.state.request_id, address
        )
        context["notice"] = await _notice_off_loop(request)
        return render(
            request, "auth/login.html", {**context, "error": exc.message}, status_code=429
        )
    if signed_in.pending:
        log.info(
            "sign-in password ok, second factor next id=%s user=%s",
            request.state.request_id,
            signed_in.user_id,
        )
        response = RedirectResponse(SECOND_FACTOR_PAGE, status_code=303)
        set_pending_cookie(response, settings, signed_in.token)
        return response
    log.info("sign-in ok id=%s user=%s", request.state.request_id, signed_in.user_id)
    return signed_in_redirect(
        settings,
        signed_in.token,
        role=signed_in.role,
        target=next,
        first_sign_in=signed_in.first_sign_in,
    )


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
