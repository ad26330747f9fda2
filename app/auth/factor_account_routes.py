"""Routes: one's own second factor (/account/second-factor) and an admin's reset of someone's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import factor, factor_checks
from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.errors import NotFound, TooManyRequests
from app.models import User
from app.web.deps import SettingsDep
from app.web.forms import Password, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router(include_in_schema=False)
PAGE = "/account/second-factor"
# Never shown back on a refused form, like a password (app/web/forms.py).
Answer = Annotated[str, Password("Code or password")]
Code = Annotated[str, Password("Code")]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _page(
    request: Request, session: Session, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    settings, user = request.app.state.settings, request.state.user
    context = {
        "person": user,
        "state": factor.status(session, user_id=user.id),
        "enrolment": factor.enrolment(session, settings, user=user),
        "required": factor.required_for(user.role, settings),
        "errors": errors or {},
        "done": request.query_params.get("done", ""),
    }
    response = render(request, "auth/second_factor_account.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _page(request, session, form.errors, status_code=422)


def _codes(request: Request, codes: list[str], *, enrolled: bool) -> Response:
    """The recovery codes; "the old ones no longer work" only when replacing (retest R7)."""
    context = {"codes": codes, "next": PAGE, "enrolled": enrolled}
    response = render(request, "auth/recovery_codes.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PAGE)
def second_factor_settings(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _page(request, session)


@router.post(PAGE + "/start")
def start(session: SessionDep, settings: SettingsDep, user: CurrentUser) -> Response:
    factor.prepare_secret(session, settings, user_id=user.id)
    session.commit()
    return RedirectResponse(PAGE + "#enrol", status_code=303)


@router.post(PAGE + "/confirm")
@form_page(_again)
def confirm(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser, code: Code
) -> Response:
    try:
        codes = factor_checks.confirm(
            session, settings, user=user, address=_address(request), code=code
        )
    except (factor.FactorProblem, TooManyRequests) as exc:
        return _page(request, session, {"code": exc.message}, _status(exc))
    return _codes(request, codes, enrolled=True)


@router.post(PAGE + "/off")
@form_page(_again)
def turn_off(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser, answer: Answer
) -> Response:
    try:
        factor_checks.turn_off(
            session, settings, user=user, address=_address(request), answer=answer
        )
    except (factor.FactorProblem, TooManyRequests) as exc:
        return _page(request, session, {"answer": exc.message}, _status(exc))
    return RedirectResponse(PAGE + "?done=off", status_code=303)


@router.post(PAGE + "/codes")
@form_page(_again)
def new_codes(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser, answer: Answer
) -> Response:
    try:
        codes = factor_checks.renew_codes(
            session, settings, user=user, address=_address(request), answer=answer
        )
    except (factor.FactorProblem, TooManyRequests) as exc:
        return _page(request, session, {"codes_answer": exc.message}, _status(exc))
    return _codes(request, codes, enrolled=False)


def _status(exc: Exception) -> int:
    return 429 if isinstance(exc, TooManyRequests) else 422


ADMIN_PAGE = "/admin/people/{user_id}/second-factor"


def _admin_page(
    request: Request,
    session: Session,
    user_id: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    person = session.get(User, user_id)
    if person is None:
        raise NotFound("There is no person with that id. Go back to the people list.")
    context = {
        "person": person,
        "state": factor.status(session, user_id=user_id),
        "self": person.id == request.state.user.id,
        "errors": errors or {},
        "done": request.query_params.get("done", ""),
    }
    return render(request, "admin/second_factor.html", context, status_code=status_code)


def _admin_again(request: Request, session: Session, form: Submitted) -> Response:
    user_id = int(request.path_params["user_id"])
    return _admin_page(request, session, user_id, form.errors, status_code=422)


@router.get(ADMIN_PAGE, dependencies=[require_role("admin")])
def admin_second_factor(request: Request, session: SessionDep, user_id: WholeNumber) -> Response:
    return _admin_page(request, session, user_id)


@router.post(ADMIN_PAGE + "/reset", dependencies=[require_role("admin")])
@form_page(_admin_again)
def admin_reset(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    user_id: WholeNumber,
    code: Annotated[str, Password("Your code")] = "",
) -> Response:
    try:
        factor_checks.reset(
            session, settings, actor=user, user_id=user_id, address=_address(request), code=code
        )
    except (factor.FactorProblem, TooManyRequests) as exc:
        return _admin_page(request, session, user_id, {"code": exc.message}, _status(exc))
    if user_id == user.id:  # one's own sign-ins ended with it
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(ADMIN_PAGE.format(user_id=user_id) + "?done=reset", status_code=303)
