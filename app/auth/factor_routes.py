"""Routes: the second-factor step of a password sign-in (/sign-in/second-factor).

The only pages a pending sign-in reaches. Without a factor yet (HR and admin accounts at
their first sign-in after it became required) the page enrols one; with one it asks for a
code. Either way the sign-in completes through service.complete_sign_in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth import factor, factor_checks, pending, service
from app.auth.cookies import (
    forget_pending_cookie,
    pending_cookie_name,
    set_session_cookie,
    signed_in_redirect,
)
from app.auth.landing import landing
from app.auth.privacy_notice import page_then
from app.auth.routes import SECOND_FACTOR_PAGE
from app.db import SessionDep
from app.errors import TooManyRequests
from app.models import row_id
from app.web.deps import SettingsDep, session_cookie_name
from app.web.forms import Password, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router(include_in_schema=False)
CODE_FIELD = Password("Code")  # never shown back on a refused form


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token(request: Request) -> str | None:
    return request.cookies.get(pending_cookie_name(request.app.state.settings))


def _gone(request: Request, status_code: int = 200) -> Response:
    context = {"gone": pending.ENDED}
    response = render(request, "auth/second_factor.html", context, status_code=status_code)
    forget_pending_cookie(response, request.app.state.settings)
    return response


def _step_page(
    request: Request, session: Session, error: str = "", status_code: int = 200
) -> Response:
    """The code form, or the enrolment page when the account has no factor yet."""
    settings = request.app.state.settings
    try:
        found = pending.find(session, token=_token(request))
        enrolling = factor.enrolment(session, settings, user=found.user)
    except pending.PendingGone:  # after a POST: this was its last allowed wrong code
        return _gone(request, 200 if status_code == 200 else 409)
    except factor.FactorProblem as exc:
        return render(request, "auth/second_factor.html", {"gone": exc.message}, status_code=409)
    context: dict[str, Any] = {
        "errors": {"code": error} if error else {},
        "action": SECOND_FACTOR_PAGE,
    }
    if enrolling is not None:
        context |= {"enrolment": enrolling, "action": SECOND_FACTOR_PAGE + "/enrol"}
        page = render(request, "auth/second_factor_enrol.html", context, status_code=status_code)
        page.headers["Cache-Control"] = "no-store"  # the secret is on it
        return page
    return render(request, "auth/second_factor.html", context, status_code=status_code)


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _step_page(request, session, error=form.errors.get("code", ""), status_code=422)


@router.get(SECOND_FACTOR_PAGE)
def second_factor_page(request: Request, session: SessionDep) -> Response:
    return _step_page(request, session)


def _checked(
    request: Request, session: Session, code: str, *, confirm: bool
) -> pending.Pending | Response:
    """The pending sign-in once its code passed, else the page to show instead."""
    try:
        return pending.check(
            session,
            request.app.state.settings,
            token=_token(request),
            address=_address(request),
            code=code,
            confirm=confirm,
        )
    except pending.PendingGone:
        return _gone(request, 409)
    except factor.FactorProblem as exc:
        return _step_page(request, session, error=exc.message, status_code=422)
    except TooManyRequests as exc:
        return _step_page(request, session, error=exc.message, status_code=429)


def _complete(request: Request, session: Session, found: pending.Pending) -> tuple[str, bool]:
    """End the pending sign-in and open the session (committed)."""
    settings = request.app.state.settings
    pending.end(session, pending=found)
    token, first = service.complete_sign_in(
        session,
        settings,
        user_id=row_id(found.user),
        address=_address(request)[:64],
        replace_token=request.cookies.get(session_cookie_name(settings)),
    )
    session.commit()
    return token, first


@router.post(SECOND_FACTOR_PAGE)
@form_page(_again)
def verify_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, CODE_FIELD],
) -> Response:
    found = _checked(request, session, code, confirm=False)
    if isinstance(found, Response):
        return found
    try:
        token, first = _complete(request, session, found)
    except pending.PendingGone:
        return _gone(request, 409)
    response = signed_in_redirect(
        settings, token, role=found.user.role, target=found.row.target, first_sign_in=first
    )
    forget_pending_cookie(response, settings)
    return response


@router.post(SECOND_FACTOR_PAGE + "/enrol")
@form_page(_again)
def confirm_enrolment(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, CODE_FIELD],
) -> Response:
    found = _checked(request, session, code, confirm=True)
    if isinstance(found, Response):
        return found
    codes = factor_checks.first_codes(session, settings, user=found.user)
    try:
        token, first = _complete(request, session, found)
    except pending.PendingGone:
        return _gone(request, 409)
    target = landing(found.user.role, found.row.target)
    context = {"codes": codes, "next": page_then(target) if first else target, "enrolled": True}
    response = render(request, "auth/recovery_codes.html", context)
    response.headers["Cache-Control"] = "no-store"
    set_session_cookie(response, settings, token)
    forget_pending_cookie(response, settings)
    return response
