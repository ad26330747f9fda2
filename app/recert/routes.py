"""The admin page for the validity period (/admin/recertification)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.errors import Invalid
from app.recert.policy import set_validity, validity_months
from app.web.forms import Choice, Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router(
    prefix="/admin", dependencies=[require_role("admin")], include_in_schema=False
)
PRESETS = ("none", "12", "24")


def _page(
    request: Request, session: Session, *, sent: dict[str, str] | None = None, **extra: object
) -> Response:
    months = validity_months(session)
    current = "none" if months is None else str(months)
    chosen = sent or {
        "period": current if current in PRESETS else "other",
        "months": "" if current in PRESETS else current,
    }
    context = {"months": months, "sent": chosen, "errors": {}, **extra}
    return render(request, "recert/recertification.html", context, status_code=422 if sent else 200)


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _page(request, session, sent=dict(form.values), errors=form.errors)


@router.get("/recertification")
def recertification(request: Request, session: SessionDep) -> Response:
    saved = request.query_params.get("saved") == "1"
    return _page(request, session, saved=saved)


@router.post("/recertification")
@form_page(_again)
def save_recertification(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    period: Annotated[str, Choice("Validity period", max_length=10)] = "",
    months: Annotated[str, Form(max_length=10, title="Months")] = "",
) -> Response:
    if period not in (*PRESETS, "other"):
        sent = {"period": period, "months": months}
        errors = {"period": "Validity period: choose none, 12 or 24 months, or a number of months."}
        return _page(request, session, sent=sent, errors=errors)
    try:
        set_validity(session, actor_id=user.id, period=months if period == "other" else period)
    except Invalid as exc:
        field = "months" if period == "other" else "period"
        sent = {"period": period, "months": months}
        return _page(request, session, sent=sent, errors={field: exc.message})
    return RedirectResponse("/admin/recertification?saved=1", status_code=303)
