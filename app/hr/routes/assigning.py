"""Assignments: assign modules to departments or people, change due dates in bulk, joiner rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Invalid
from app.hr import assignments
from app.hr.assign_text import assigned_message, counted
from app.hr.routes.common import hr_router, parse_date
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import FORM, Choice, Submitted, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import render

router = hr_router()
EMAILS_MAX = 100_000


def _done(request: Request) -> dict[str, Any]:
    """What the last action did, from the redirect's query (numbers and a date only)."""
    query = request.query_params
    numbers = {
        k: n
        for k in ("people", "created", "already", "moved", "cycles")
        if (n := whole_number(query.get(k, ""))) is not None
    }
    kind, due = query.get("done", "")[:10], parse_date(query.get("due", "")[:10], "due")
    get = numbers.get
    messages = {
        "assign": lambda: assigned_message(
            people_count=get("people", 0), created=get("created", 0),
            unchanged=get("already", 0), cycles=get("cycles", 0), due=due,
        ),
        "due": lambda: f"Moved the due date of {counted(get('moved', 0), 'open assignment')}.",
    }  # fmt: skip
    message = messages[kind]() if kind in messages else ""
    return {"kind": kind, "due": due, "message": message, **numbers}


def _page(
    request: Request, session: SessionDep, catalog: CatalogDep, settings: SettingsDep, **extra: Any
) -> dict[str, Any]:
    return {
        "modules": catalog.modules,
        "summary": assignments.module_summary(session, catalog),
        "rules": assignments.rules(session, catalog),
        "departments": assignments.departments(session),
        "default_days": settings.default_due_days,
        "form": {},
        "problems": {},
        "done": _done(request),
        **extra,
    }


@router.get("/assignments")
def assignments_page(
    request: Request, session: SessionDep, catalog: CatalogDep, settings: SettingsDep
) -> Response:
    return render(request, "hr/assignments.html", _page(request, session, catalog, settings))


def _module_choice(catalog: CatalogDep, scope: str, modules: list[str]) -> list[str]:
    return catalog.module_ids if scope == "course" else modules


def _assign_again(request: Request, session: Session, form: Submitted) -> Response:
    """The page with the Assign form as it was sent and its problems."""
    sent = {
        "scope": form.get("scope", "course"),
        "modules": form.get("modules", []),
        "departments": [
            n for d in form.get("departments", []) if (n := whole_number(d)) is not None
        ],
        "emails": form.get("emails"),
        "due": form.get("due"),
    }
    return _again(request, session, sent, form.errors)


def _due_again(request: Request, session: Session, form: Submitted) -> Response:
    """The page with the Change due dates form as it was sent; its fields are `bulk_` ones."""
    sent = {f"bulk_{k}": form.get(k) for k in ("scope", "department", "due")}
    sent["bulk_modules"] = form.get("modules", [])
    return _again(request, session, sent, {f"bulk_{k}": v for k, v in form.errors.items()})


def _again(
    request: Request, session: Session, sent: dict[str, Any], problems: dict[str, str]
) -> Response:
    state = request.app.state
    context = _page(request, session, state.catalog, state.settings, form=sent, problems=problems)
    return render(request, "hr/assignments.html", context, status_code=422)


def _sent(exc: Invalid, **values: Any) -> Submitted:
    """A form the service refused, as text, with the service's problems."""
    text = {
        k: [str(i) for i in v] if isinstance(v, list) else "" if v is None else str(v)
        for k, v in values.items()
    }
    return Submitted(text, getattr(exc, "problems", {FORM: exc.message}))


@router.post("/assignments")
@form_page(_assign_again)
def assign(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: CurrentUser,
    scope: Annotated[str, Choice("What", max_length=10)] = "course",
    modules: Annotated[list[str] | None, Choice("Modules")] = None,
    departments: Annotated[list[WholeNumber] | None, Choice("Departments")] = None,
    emails: Annotated[str, Form(max_length=EMAILS_MAX, title="Emails")] = "",
    due: Annotated[date | None, Form(title="Due date")] = None,
) -> Response:
    try:
        result = assignments.assign(
            session,
            catalog,
            actor_id=user.id,
            module_ids=_module_choice(catalog, scope, modules or []),
            department_ids=departments or [],
            emails=assignments.split_emails(emails),
            due=due,
            default_due_days=settings.default_due_days,
        )
    except Invalid as exc:
        sent = _sent(
            exc,
            scope=scope,
            modules=modules or [],
            departments=departments or [],
            emails=emails,
            due=due,
        )
        return _assign_again(request, session, sent)
    query = (
        f"done=assign&people={result.people}&created={result.created}"
        f"&already={result.already}&due={result.due_at.date().isoformat()}"
        f"&cycles={result.cycles}"
    )
    return RedirectResponse(f"/hr/assignments?{query}", status_code=303)


@router.post("/assignments/due")
@form_page(_due_again)
def change_due(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
    scope: Annotated[str, Choice("What", max_length=10)] = "course",
    modules: Annotated[list[str] | None, Choice("Modules")] = None,
    department: Annotated[WholeNumber | None, Choice("For")] = None,
    due: Annotated[date | None, Form(title="New due date")] = None,
) -> Response:
    try:
        moved = assignments.change_due_dates(
            session,
            catalog,
            actor_id=user.id,
            module_ids=_module_choice(catalog, scope, modules or []),
            department_id=department,
            due=due,
        )
    except Invalid as exc:
        sent = _sent(exc, scope=scope, modules=modules or [], department=department, due=due)
        return _due_again(request, session, sent)
    return RedirectResponse(f"/hr/assignments?done=due&moved={moved}", status_code=303)


@router.post("/assignments/rules/{rule_id}/delete")
def remove_rule(rule_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    assignments.remove_rule(session, actor_id=user.id, rule_id=rule_id)
    return RedirectResponse("/hr/assignments?done=rule", status_code=303)
