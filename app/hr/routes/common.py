"""Shared pieces of the HR routes: the role guard and the HR sub-navigation."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.routing import APIRoute

from app.auth.deps import require_role
from app.errors import Invalid
from app.web.request_checks import CheckedRoute

HR_ROLES = ("hr", "admin")


def hr_router(route_class: type[APIRoute] = CheckedRoute) -> APIRouter:
    """A router whose every route is for hr and admin accounts only."""
    return APIRouter(
        prefix="/hr",
        dependencies=[require_role(*HR_ROLES)],
        include_in_schema=False,
        route_class=route_class,
    )


def parse_date(value: str, field: str) -> date | None:
    """An optional YYYY-MM-DD date from a form; a clear message when it is not one."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(f"{field}: “{value}” is not a date; use the form YYYY-MM-DD.") from exc
