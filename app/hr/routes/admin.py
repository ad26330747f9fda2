"""Admin pages in the HR area: the audit log (API keys: app/api/key_pages.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from app import audit
from app.auth.deps import require_role
from app.db import SessionDep
from app.hr.routes.common import hr_router
from app.web.inputs import WholeNumber
from app.web.templating import render

router = hr_router()
ADMIN = [require_role("admin")]


@router.get("/audit", dependencies=ADMIN)
def audit_log(
    request: Request,
    session: SessionDep,
    action: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[WholeNumber, Query(ge=1)] = 1,
) -> Response:
    result = audit.audit_page(session, action=action, page=page)
    return render(request, "hr/audit.html", {"a": result, "action": action})
