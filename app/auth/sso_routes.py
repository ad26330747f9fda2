"""Routes: /sso/start (off to the provider) and /sso/callback (back, signed in or refused)."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import sso_flow
from app.auth.cookies import set_session_cookie
from app.auth.oidc import SsoRefused
from app.auth.sso_config import read_config
from app.config import Settings
from app.db import writer
from app.web.deps import SettingsDep, session_cookie_name
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
log = logging.getLogger("allyship.auth")
BROWSER_COOKIE = "allyship_sso"
SECURE_BROWSER_COOKIE = "__Host-allyship_sso"
ACCOUNT_REASONS = {"not-imported", "deactivated", "domain", "unverified", "linked-elsewhere"}
MAX_PARAM = 4000


def browser_cookie_name(settings: Settings) -> str:
    return SECURE_BROWSER_COOKIE if settings.https else BROWSER_COOKIE


PROVIDER_FAULTS = {"http", "not-json", "incomplete", "issuer", "keys", "config", "private"}
UNREACHABLE = (
    "Could not reach your organisation's sign-in service just now. Try again in a few "
    "minutes; if it keeps happening, tell your HR team or admin."
)
MISCONFIGURED = (
    "Single sign-on is not set up correctly here, so it cannot sign you in. Tell your HR "
    "team or admin: what went wrong is in the server's log."
)


def shown_message(exc: SsoRefused) -> str:
    """What a visitor reads: the provider's addresses and low-level errors stay in the log
    (they would tell anyone what answers where), the admin's connection test shows them."""
    if exc.reason == "unreachable":
        return UNREACHABLE
    if exc.reason in PROVIDER_FAULTS:
        return MISCONFIGURED
    return exc.message


def refused(request: Request, exc: SsoRefused) -> Response:
    """The clear page for a refused sign-in: what happened and what to do."""
    status = 403 if exc.reason in ACCOUNT_REASONS else 404 if exc.reason == "off" else 400
    context = {"title": "Sign-in refused", "message": shown_message(exc), "reason": exc.reason}
    return render(request, "auth/sso_refused.html", context, status_code=status)


def _writing(request: Request) -> Session:
    """GETs that write: their transactions take SQLite's write lock up front (BEGIN IMMEDIATE),
    so two callbacks at once queue instead of failing to upgrade a read lock."""
    return Session(writer(request.app.state.engine), expire_on_commit=False)


@router.get("/sso/start")
def sso_start(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    with _writing(request) as session:
        return _start(request, session, settings, next)


def _start(request: Request, session: Session, settings: Settings, next: str) -> Response:
    config = read_config(session, settings)
    cookie = browser_cookie_name(settings)
    try:
        url, browser = sso_flow.begin(
            session, settings, config, browser=request.cookies.get(cookie), next=next[:2000]
        )
    except SsoRefused as exc:
        session.rollback()
        log.warning(
            "sso start refused id=%s reason=%s detail=%s",
            request.state.request_id,
            exc.reason,
            exc.message,
        )
        return refused(request, exc)
    response = RedirectResponse(url, status_code=303)
    max_age = int(sso_flow.PENDING_FOR.total_seconds())
    response.set_cookie(
        cookie,
        browser,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        path="/",
        max_age=max_age,
    )
    return response


def _params(request: Request) -> dict[str, str]:
    return {k: v[:MAX_PARAM] for k, v in request.query_params.items()}


@router.get("/sso/callback")
def sso_callback(request: Request, settings: SettingsDep) -> Response:
    with _writing(request) as session:
        return _callback(request, session, settings)


def _callback(request: Request, session: Session, settings: Settings) -> Response:
    config = read_config(session, settings)
    try:
        signed_in = sso_flow.finish(
            session,
            settings,
            config,
            params=_params(request),
            browser=request.cookies.get(browser_cookie_name(settings), ""),
            replace_token=request.cookies.get(session_cookie_name(settings)),
        )
    except SsoRefused as exc:
        session.rollback()
        log.warning(
            "sso sign-in refused id=%s reason=%s detail=%s",
            request.state.request_id,
            exc.reason,
            exc.message,
        )
        return refused(request, exc)
    log.info("sso sign-in ok id=%s", request.state.request_id)
    response = RedirectResponse(signed_in.target, status_code=303)
    set_session_cookie(response, settings, signed_in.token)
    return response


def sso_offer(session: Session, settings: Settings) -> dict[str, bool]:
    """What the sign-in page shows: the SSO button, and whether passwords are off."""
    config = read_config(session, settings)
    return {"sso": config.active, "sso_only": config.sso_only}
