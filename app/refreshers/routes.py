"""Refresher pages: open a signed link, take a round, see the feedback on every option."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.auth.lookup import UserRow
from app.clock import utcnow
from app.config import Settings
from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.models import row_id
from app.refreshers import service
from app.refreshers.links import TOKEN_MAX
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import FORM, Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router(include_in_schema=False)
LETTERS = "ABCD"


@router.get("/refreshers/go/{token}")
def open_refresher_link(
    token: str, session: SessionDep, settings: SettingsDep, catalog: CatalogDep, user: CurrentUser
) -> Response:
    target = service.open_link(
        session, settings, catalog, user_id=row_id(user), token=token[: TOKEN_MAX + 1]
    )
    return RedirectResponse(target, status_code=303)


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    user: UserRow,
    module_id: str,
    round: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The round as a question, or, once answered, the stored answer with every feedback."""
    catalog = request.app.state.catalog
    module = service.module_with_pool(catalog, module_id)
    user_id = row_id(user)
    answer = service.answer_of(session, user_id, module.id, round)
    context: dict[str, Any] = {
        "module": module,
        "round": round,
        "answer": answer,
        "stop_link": service.stop_nudges_link(session, settings, user_id),
        **extra,
    }
    if answer is not None:
        context["scenario"] = module.quiz.refresher(answer.scenario_id)
    else:
        service.check_open(session, user_id, module.id, round, utcnow())
        pick = service.next_refresher(session, catalog, user_id, module.id, round)
        if pick is None:
            raise Conflict("You have answered every refresher of this module. Well done.")
        context["pick"] = pick
        context["lettered"] = [
            (LETTERS[i], pick.scenario.choice(cid)) for i, cid in enumerate(pick.choice_order)
        ]
    return render(request, "refreshers/refresher.html", context, status_code=status_code)


@router.get("/refreshers/{module_id}/{round}")
def refresher_page(
    request: Request,
    module_id: str,
    round: WholeNumber,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    return _page(request, session, settings, user, module_id, round)


def _answer_again(request: Request, session: Session, form: Submitted) -> Response:
    """The refresher again (422) when the form itself was bad: stale, or an answer not offered."""
    if FORM in form.errors:
        error = form.errors[FORM]
    else:
        error = " ".join(f"Your answer: {message}" for message in form.errors.values())
    params = request.path_params
    round = int(params["round"]) if str(params["round"]).isdigit() else 0
    settings = request.app.state.settings
    user = request.state.user
    return _page(request, session, settings, user, params["module_id"], round, 422, error=error)


@router.post("/refreshers/{module_id}/{round}")
@form_page(_answer_again)
def answer_refresher(
    request: Request,
    module_id: str,
    round: WholeNumber,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    user: CurrentUser,
    scenario: Annotated[str, Hidden(max_length=100)] = "",
    answer: Annotated[str, Choice("Your answer", max_length=1)] = "",
) -> Response:
    user_id = row_id(user)
    pick = service.next_refresher(session, catalog, user_id, module_id, round)
    letter = LETTERS.find(answer) if answer else -1
    if pick is not None and 0 <= letter < len(pick.choice_order):
        choice_id = pick.choice_order[letter]
    else:
        choice_id = ""
    try:
        service.submit_refresher(
            session,
            catalog,
            user_id=user_id,
            module_id=module_id,
            round=round,
            scenario_id=scenario,
            choice_id=choice_id,
        )
    except Conflict as refused:
        return _page(request, session, settings, user, module_id, round, 409, message=str(refused))
    except Invalid as problem:
        return _page(request, session, settings, user, module_id, round, 422, error=str(problem))
    return _page(request, session, settings, user, module_id, round, saved=True)
