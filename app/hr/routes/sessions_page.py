"""HR's list of group sessions held: date, module, facilitator and how many came."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.db import SessionDep
from app.hr import sessions
from app.hr.routes.common import hr_router
from app.web.deps import CatalogDep
from app.web.templating import render

router = hr_router()


@router.get("/sessions")
def sessions_list(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    summary, rows = sessions.held_sessions(session, catalog)
    return render(request, "hr/sessions.html", {"summary": summary, "rows": rows})
