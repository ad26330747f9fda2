"""The learner's commitments, their check-ins, and the one switch (and link) that stops nudges.

Every page here shows the signed-in person's own records only: a commitment is looked up by
(the person, the module), never by an id someone could guess.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.clock import utcnow
from app.content.schema import Module
from app.db import SessionDep
from app.errors import Conflict, Invalid, NotFound
from app.lasting import commitments, stopping
from app.lasting.commitments import PART_MAX
from app.models import row_id
from app.web.csrf import ONE_CLICK_VALUE
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import FORM, STALE, Choice, Hidden, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
Situation = Annotated[str, Form(title="If", max_length=4 * PART_MAX)]
Action = Annotated[str, Form(title="Then I will", max_length=4 * PART_MAX)]
LinkPart = Annotated[str, Query(max_length=100)]
LinkField = Annotated[str, Hidden(max_length=100)]
OneClick = Annotated[str, Hidden(alias="List-Unsubscribe", max_length=20)]


def _module(catalog: Any, module_id: str) -> Module:
    module: Module | None = catalog.get(module_id)
    if module is None:
        raise NotFound("There is no module of that name.")
    return module


@router.get("/commitments")
def commitments_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The person's own plans, soonest check-in first, and the switch for every nudge."""
    return _commitments(request, session)


def _commitments(
    request: Request, session: Session, status_code: int = 200, errors: Any = None
) -> Response:
    uid = row_id(request.state.user)
    context = {
        "commitments": commitments.all_of(session, user_id=uid),
        "titles": {m.id: m.title for m in request.app.state.catalog.modules},
        "pref": stopping.preference(session, uid),
        "today": utcnow().date(),
        "errors": errors or {},
    }
    return render(request, "lasting/commitments.html", context, status_code=status_code)


def _commitment_page(
    request: Request,
    session: Session,
    module: Module,
    user_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    row = commitments.own_commitment(session, user_id=user_id, module_id=module.id)
    context = {
        "module": module,
        "commitment": row,
        "history": commitments.history(session, row_id(row)) if row else [],
        "starting": ""
        if row
        else commitments.starting_text(session, user_id=user_id, module_id=module.id),
        "today": utcnow().date(),
        "acted": commitments.ACTED,
        "decisions": commitments.DECISIONS,
        "part_max": PART_MAX,
        "may_write": commitments.may_write(session, user_id=user_id, module_id=module.id),
        "not_passed": commitments.NOT_PASSED,
        "errors": {},
        "typed": {},
        **extra,
    }
    return render(request, "lasting/commitment.html", context, status_code=status_code)


@router.get("/modules/{module_id}/commitment")
def commitment_page(
    request: Request, module_id: str, session: SessionDep, catalog: CatalogDep, user: CurrentUser
) -> Response:
    module = _module(catalog, module_id)
    return _commitment_page(request, session, module, row_id(user))


def _plan_refused(
    request: Request, session: Session, module: Module, errors: Any, typed: dict[str, Any]
) -> Response:
    """The commitment page with what was typed and a message by each wrong field (422)."""
    user_id = row_id(request.state.user)
    return _commitment_page(request, session, module, user_id, 422, errors=errors, typed=typed)


def _plan_again(request: Request, session: Session, form: Submitted) -> Response:
    module = _module(request.app.state.catalog, request.path_params["module_id"])
    typed = {k: v for k, v in form.values.items() if isinstance(v, str)}
    return _plan_refused(request, session, module, form.errors, typed)


@router.post("/modules/{module_id}/commitment")
@form_page(_plan_again)
def save_commitment(
    request: Request,
    module_id: str,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
    situation: Situation = "",
    action: Action = "",
) -> Response:
    module = _module(catalog, module_id)
    if not commitments.may_write(session, user_id=row_id(user), module_id=module.id):
        return _commitment_page(request, session, module, row_id(user), 409, refused=True)
    try:
        plan = commitments.checked_plan(situation, action)
    except Invalid as problem:
        typed = {"situation": situation, "action": action}
        return _plan_refused(request, session, module, problem.fields, typed)
    commitments.save(session, user_id=row_id(user), module_id=module.id, plan=plan)
    return RedirectResponse(f"/modules/{module.id}/commitment?saved=plan", status_code=303)


@router.post("/modules/{module_id}/commitment/check-in")
@form_page(_plan_again)
def check_in(
    request: Request,
    module_id: str,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
    acted: Annotated[str, Choice("How often you acted", max_length=20)] = "",
    decision: Annotated[str, Choice("What next", max_length=20)] = "",
    situation: Situation = "",
    action: Action = "",
) -> Response:
    module = _module(catalog, module_id)
    typed = {"situation": situation, "action": action, "acted": acted, "decision": decision}
    try:
        plan = commitments.checked_plan(situation, action) if decision == "change" else None
        commitments.check_in(
            session,
            user_id=row_id(user),
            module_id=module.id,
            acted=acted,
            decision=decision,
            plan=plan,
        )
    except Invalid as problem:
        errors = problem.fields or {"acted": problem.message}
        return _plan_refused(request, session, module, errors, typed)
    except Conflict as problem:
        return _commitment_page(
            request, session, module, row_id(user), 409, conflict=problem.message
        )
    return RedirectResponse(f"/modules/{module.id}/commitment?saved=check-in", status_code=303)


def _setting_again(request: Request, session: Session, form: Submitted) -> Response:
    return _commitments(request, session, 422, errors=form.errors)


@router.post("/nudges")
@form_page(_setting_again)
def nudge_setting(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    nudges: Annotated[str, Hidden(max_length=10)] = "",
) -> Response:
    """Stop or resume every nudge from the person's own page (no link needed)."""
    if nudges not in ("stop", "resume"):
        return _commitments(request, session, 422, errors={FORM: STALE})
    stopping.set_stopped(session, user_id=row_id(user), stopped=nudges == "stop")
    word = "stopped" if nudges == "stop" else "resumed"
    return RedirectResponse(f"/commitments?nudges={word}#nudges", status_code=303)


@router.get("/nudges/stop")
def stop_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    u: LinkPart = "",
    v: LinkPart = "",
    s: LinkPart = "",
) -> Response:
    """The link in a nudge: a page with one button (a GET changes nothing: mail scanners open links)."""
    user_id, version = stopping.check_link(settings, user=u, version=v, signature=s)
    stale = stopping.preference(session, user_id).version != version
    parts, status_code = {"u": u, "v": v, "s": s}, 409 if stale else 200
    return _stop_page(request, parts, status_code, stale=stale, message=stopping.STALE_LINK)


def _stop_page(request: Request, parts: dict[str, str], status_code: int, **extra: Any) -> Response:
    """The one-button page of a nudge's link, carrying the link's parts in its form."""
    context = {**parts, "stale": False, "message": "", "errors": {}, **extra}
    return render(request, "lasting/stop.html", context, status_code=status_code)


def _stop_again(request: Request, session: Session, form: Submitted) -> Response:
    """A link's form sent incomplete: the page again, its button with what was sent."""
    parts = {k: str(form.get(k))[:100] for k in ("u", "v", "s")}
    return _stop_page(request, parts, 422, errors=form.errors)


@router.post("/nudges/stop")
@form_page(_stop_again)
def stop_nudges(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    u: LinkField = "",
    v: LinkField = "",
    s: LinkField = "",
    one_click: OneClick = "",
    link_u: Annotated[str, Query(alias="u", max_length=100)] = "",
    link_v: Annotated[str, Query(alias="v", max_length=100)] = "",
    link_s: Annotated[str, Query(alias="s", max_length=100)] = "",
) -> Response:
    """The page's button; or a mail program's one-click POST to the link itself (RFC 8058).

    One-click sends `List-Unsubscribe=One-Click` without cookies or a CSRF token (app/web/csrf.py
    lets it through): the link's signature, in the URL, is the authority, as for the button.
    """
    if one_click:
        if one_click != ONE_CLICK_VALUE:
            raise Invalid("List-Unsubscribe: only One-Click is understood.")
        u, v, s = link_u, link_v, link_s
    user_id, version = stopping.check_link(settings, user=u, version=v, signature=s)
    stopping.set_stopped(session, user_id=user_id, stopped=True, version=version)
    return render(request, "lasting/stopped.html", {})
