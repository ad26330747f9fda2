"""The help page: where to get help, and how the course works with assistive technology.

Linked from the same place in every page's header (WCAG 3.2.6 Consistent Help); open to
everyone, signed in or not, so a participant on a phone can read it too.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()


@router.get("/help")
async def help_page(request: Request) -> Response:
    settings = request.app.state.settings
    context = {
        "idle_minutes": settings.session_idle_minutes,
        "absolute_hours": settings.session_absolute_hours,
    }
    return render(request, "help.html", context)
