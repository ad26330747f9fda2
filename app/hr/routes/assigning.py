"""Assignments: assign modules to departments or people, change due dates in bulk, joiner rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from app.db import SessionDep
from app.deps import CatalogDep, CurrentUser, SettingsDep
from app.errors import Invalid
from app.hr import assignments
from app.hr.routes.common import hr_router, parse_date
from app.templating import render

router = hr_router()
EMAILS_MAX = 100_000


def _done(request: Request) -> dict[str, Any]:
    """What the last action did, from the redirect's query (numbers and a date only)."""
    query = request.query_params
    numbers = {
        k: int(v)
        for k in ("people", "created", "already", "moved")
        if (v := query.get(k, "")).isdigit()
    }
    return {
        "kind": query.get("done", "")[:10],
        "due": parse_date(query.get("due", "")[:10], "due"),
        **numbers,
    }


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


@router.post("/assignments")
def assign(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: CurrentUser,
    scope: Annotated[str, Form(max_length=10)] = "course",
    modules: Annotated[list[str] | None, Form()] = None,
    departments: Annotated[list[int] | None, Form()] = None,
    emails: Annotated[str, Form(max_length=EMAILS_MAX)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {
        "scope": scope,
        "modules": modules or [],
        "departments": departments or [],
        "emails": emails,
        "due": due,
    }
    try:
        result = assignments.assign(
            session,
            catalog,
            actor_id=user.id,
            module_ids=_module_choice(catalog, scope, modules or []),
            department_ids=departments or [],
            emails=[e for e in emails.replace(",", "\n").replace(";", "\n").split() if e],
            due=parse_date(due, "Due date"),
            default_due_days=settings.default_due_days,
        )
    except Invalid as exc:
        problems = getattr(exc, "problems", {"due": exc.message})
        context = _page(request, session, catalog, settings, form=form, problems=problems)
        return render(request, "hr/assignments.html", context, status_code=422)
    query = (
        f"done=assign&people={result.people}&created={result.created}"
        f"&already={result.already}&due={result.due_at.date().isoformat()}"
    )
    return RedirectResponse(f"/hr/assignments?{query}", status_code=303)


@router.post("/assignments/due")
def change_due(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: CurrentUser,
    scope: Annotated[str, Form(max_length=10)] = "course",
    modules: Annotated[list[str] | None, Form()] = None,
    department: Annotated[str, Form(max_length=20)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        if department and not department.isdigit():
            raise Invalid("Choose a department from the list.")
        moved = assignments.change_due_dates(
            session,
            catalog,
            actor_id=user.id,
            module_ids=_module_choice(catalog, scope, modules or []),
            department_id=int(department) if department else None,
            due=parse_date(due, "New due date"),
        )
    except Invalid as exc:
        problems = {
            f"bulk_{k}": v for k, v in getattr(exc, "problems", {"due": exc.message}).items()
        }
        form = {
            "bulk_scope": scope,
            "bulk_modules": modules or [],
            "bulk_department": department,
            "bulk_due": due,
        }
        context = _page(request, session, catalog, settings, form=form, problems=problems)
        return render(request, "hr/assignments.html", context, status_code=422)
    return RedirectResponse(f"/hr/assignments?done=due&moved={moved}", status_code=303)


@router.post("/assignments/rules/{rule_id}/delete")
def remove_rule(rule_id: int, session: SessionDep, user: CurrentUser) -> Response:
    assignments.remove_rule(session, actor_id=user.id, rule_id=rule_id)
    return RedirectResponse("/hr/assignments?done=rule", status_code=303)
