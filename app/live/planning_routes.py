"""Planned-session routes: the list, plan a session, change or cancel it, open it on the day."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.live import facilitator, planning, planning_mail
from app.live.controls import Facilitator
from app.models import Department, LivePlan, User, row_id
from app.org.current import org_of
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import FORM, STALE, Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.request_checks import checked_router
from app.web.templating import render

router: APIRouter = checked_router()
# At most 500 chosen one by one (a form holds at most 1000 fields); a department adds more.
Invitees = Annotated[list[str], Choice("People to invite", max_length=500)]


def _choices(session: Session) -> dict[str, Any]:
    """The people (active only: leavers cannot be invited) and departments to choose from."""
    people = session.exec(
        select(User.id, User.name, User.email)
        .where(col(User.active).is_(True))
        .order_by(col(User.name))
        .limit(5000)
    ).all()
    departments = session.exec(select(Department).order_by(col(Department.name))).all()
    return {"people": people, "departments": departments}


def _form_page(
    request: Request, session: Session, values: dict[str, Any], errors: dict[str, str], code: int
) -> Response:
    catalog = request.app.state.catalog
    plan = None
    if (plan_id := request.path_params.get("plan_id")) is not None:
        plan = planning.owned_plan(session, user=request.state.user, plan_id=int(plan_id))
    module = catalog.get(values.get("module_id") or (plan.module_id if plan else ""))
    if module is None and errors:  # a stale form: shown again with a module list
        errors = {FORM: STALE} | errors
    context = {
        "module": module,
        "modules": catalog.modules,
        "plan": plan,
        "v": values,
        "errors": errors,
        "zone": org_of(request).time_zone or "UTC",
        "minutes": planning.MINUTES,
        "when": planning_mail.when,
        **_choices(session),
    }
    return render(request, "live/plan_form.html", context, status_code=code)


def _plan_again(request: Request, session: Session, form: Submitted) -> Response:
    return _form_page(request, session, dict(form.values), form.errors, 422)


def _plan_form(form: dict[str, Any]) -> planning.PlanForm:
    ids = [n for text in form["invitee"] if (n := whole_number(text)) is not None]
    if len(ids) != len(form["invitee"]):
        raise planning.PlanInvalid("invitee", "Choose people from the list.")
    department = whole_number(form["department"]) if form["department"] else None
    if form["department"] and department is None:
        raise planning.PlanInvalid("department", "Choose a department from the list.")
    return planning.PlanForm(
        module_id=form["module_id"],
        scenario_ids=form["scenario"],
        day=form["day"],
        time=form["time"],
        minutes=form["minutes"],
        headcount=form["headcount"],
        invitee_ids=ids,
        department_id=department,
    )


@router.get("/live/plans")
def plans(
    request: Request, session: SessionDep, catalog: CatalogDep, user: Facilitator
) -> Response:
    rows = planning.list_plans(session, user=user)
    titles = {m.id: m.title for m in catalog.modules}
    context = {
        "plans": rows,
        "modules": catalog.modules,
        "when": planning_mail.when,
        "titles": titles,
    }
    return render(request, "live/plans.html", context)


@router.get("/live/plans/new")
def new_plan(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: Facilitator,
    module_id: str = Query("", max_length=100),
) -> Response:
    module = facilitator.setup_module(catalog, module_id=module_id)
    values = {"module_id": module.id, "scenario": facilitator.default_scenarios(module)}
    return _form_page(request, session, values | {"minutes": 60}, {}, 200)


@router.get("/live/plans/{plan_id:int}")
def plan_page(
    request: Request, plan_id: WholeNumber, session: SessionDep, user: Facilitator
) -> Response:
    plan = planning.owned_plan(session, user=user, plan_id=plan_id)
    return _form_page(request, session, _stored(session, plan), {}, 200)


def _stored(session: Session, plan: LivePlan) -> dict[str, Any]:
    """The plan as stored, as the form shows it."""
    local = plan.starts_at.astimezone(planning_mail.zone_of(plan.time_zone))
    return {
        "module_id": plan.module_id,
        "scenario": plan.scenario_list,
        "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "minutes": plan.minutes,
        "headcount": plan.headcount,
        "invitee": [str(p.id) for p in planning.invitees_of(session, row_id(plan))],
        "sequence": plan.sequence,
    }


def _save(
    request: Request,
    session: Session,
    form: dict[str, Any],
    plan_id: int | None,
    sequence: int,
) -> Response:
    zone = planning_mail.zone_of(org_of(request).time_zone)
    app = request.app.state
    try:
        checked = _plan_form(form)
        if plan_id is None:
            plan = planning.create_plan(
                session, app.catalog, app.settings, user=request.state.user, form=checked, zone=zone
            )
        else:
            plan = planning.update_plan(
                session,
                app.catalog,
                app.settings,
                user=request.state.user,
                plan_id=plan_id,
                form=checked,
                zone=zone,
                seen_sequence=sequence,
            )
    except Conflict as exc:  # changed meanwhile: the plan as it is now, and why
        plan = planning.owned_plan(session, user=request.state.user, plan_id=plan_id or 0)
        return _form_page(request, session, _stored(session, plan), {FORM: exc.message}, 409)
    except planning.PlanInvalid as exc:
        return _form_page(request, session, form, {exc.field: exc.message}, 422)
    except Invalid as exc:
        return _form_page(request, session, form, {FORM: exc.message}, 422)
    return RedirectResponse(f"/live/plans/{plan.id}?saved=1", status_code=303)


def _fields(
    module_id: str,
    day: str,
    time: str,
    headcount: int | None,
    minutes: int,
    scenario: list[str],
    invitee: list[str],
    department: str,
) -> dict[str, Any]:
    """The form as sent, for the service and for showing it again."""
    return {
        "module_id": module_id,
        "day": day,
        "time": time,
        "headcount": headcount,
        "minutes": minutes,
        "scenario": scenario,
        "invitee": invitee,
        "department": department,
    }


@router.post("/live/plans")
@form_page(_plan_again)
def create_plan(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    module_id: Annotated[str, Hidden(max_length=100)],
    day: Annotated[str, Form(title="Date", max_length=10)],
    time: Annotated[str, Form(title="Time", max_length=5)],
    headcount: Annotated[int | None, Form(title="People you expect", ge=1, le=1000)] = None,
    minutes: Annotated[int, Choice("Length", ge=1, le=600)] = 60,
    scenario: Annotated[list[str], Choice("Scenarios to vote on", max_length=20)] = [],  # noqa: B006
    invitee: Invitees = [],  # noqa: B006
    department: Annotated[str, Choice("Invite a department", max_length=12)] = "",
) -> Response:
    form = _fields(module_id, day, time, headcount, minutes, scenario, invitee, department)
    return _save(request, session, form, None, 0)


@router.post("/live/plans/{plan_id:int}")
@form_page(_plan_again)
def update_plan(
    request: Request,
    plan_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    module_id: Annotated[str, Hidden(max_length=100)],
    sequence: Annotated[WholeNumber, Hidden()],
    day: Annotated[str, Form(title="Date", max_length=10)],
    time: Annotated[str, Form(title="Time", max_length=5)],
    headcount: Annotated[int | None, Form(title="People you expect", ge=1, le=1000)] = None,
    minutes: Annotated[int, Choice("Length", ge=1, le=600)] = 60,
    scenario: Annotated[list[str], Choice("Scenarios to vote on", max_length=20)] = [],  # noqa: B006
    invitee: Invitees = [],  # noqa: B006
    department: Annotated[str, Choice("Invite a department", max_length=12)] = "",
) -> Response:
    form = _fields(module_id, day, time, headcount, minutes, scenario, invitee, department)
    return _save(request, session, form | {"sequence": sequence}, plan_id, sequence)


@router.post("/live/plans/{plan_id:int}/cancel")
@form_page(_plan_again)
def cancel_plan(
    request: Request,
    plan_id: WholeNumber,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: Facilitator,
    sequence: Annotated[WholeNumber, Hidden()],
) -> Response:
    planning.cancel_plan(
        session, catalog, settings, user=user, plan_id=plan_id, seen_sequence=sequence
    )
    return RedirectResponse("/live/plans?cancelled=1", status_code=303)


@router.post("/live/plans/{plan_id:int}/open")
def open_plan(
    plan_id: WholeNumber, session: SessionDep, catalog: CatalogDep, user: Facilitator
) -> Response:
    live = planning.open_plan(session, catalog, user=user, plan_id=plan_id)
    return RedirectResponse(f"/live/{live.id}", status_code=303)
