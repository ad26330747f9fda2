"""Routes: /team (a manager's reports, never their scores) and /privacy (who sees what)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from app.auth.deps import CurrentUser
from app.auth.landing import safe_next
from app.auth.lookup import UserRow
from app.clock import utcnow
from app.db import SessionDep
from app.errors import NotFound
from app.team import visibility
from app.team.service import team_view
from app.web import navigation
from app.web.deps import CatalogDep
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
navigation.register(
    "/team", "Your team", "learner", "facilitator", "hr", "admin", needs="has_reports"
)


async def manager(user: CurrentUser) -> UserRow:
    """Anyone with an active report, whatever their role; to everyone else the page is not there."""
    if not getattr(user, "has_reports", False):
        raise NotFound("Page not found.")
    return user


Manager = Annotated[UserRow, Depends(manager)]


@router.get("/team")
def team_page(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: Manager,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    view = team_view(session, catalog, manager_id=user.id, now=utcnow(), page=page)
    return render(request, "team/team.html", {"view": view, "fields": visibility.MANAGER_SEES})


@router.get("/privacy")
async def privacy_page(request: Request, first: str = "", next: str = "/") -> Response:
    settings = request.app.state.settings
    context = {
        "hr": visibility.HR_SEES,
        "managers": visibility.MANAGER_SEES,
        "facilitators": visibility.FACILITATOR_SEES,
        "nobody": visibility.NOBODY_SEES,
        "first": first == "1",
        "next": safe_next(next),
        "settings": settings,
    }
    return render(request, "privacy.html", context)
