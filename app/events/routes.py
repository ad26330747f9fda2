"""/admin/webhooks (admins only): endpoints, the secret shown once, the delivery log, replay."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.events import webhooks
from app.events.record import KINDS
from app.models import row_id
from app.web.forms import Choice, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.navigation import register
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
ADMIN = [require_role("admin")]
PAGE = "/admin/webhooks"
register(PAGE, "Webhooks", "admin")


def _page(
    request: Request,
    session: Session,
    *,
    created: Any = None,
    secret: str = "",
    form: Submitted | None = None,
    note: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "title": "Webhooks",
        "endpoints": webhooks.endpoints(session),
        "deliveries": webhooks.recent_deliveries(session),
        "kinds": list(KINDS),
        "created": created,
        "secret": secret,
        "sent": form.values if form else {},
        "errors": form.errors if form else {},
        "note": note,
    }
    return render(request, "admin/webhooks.html", context, status_code=status_code)


@router.get(PAGE, dependencies=ADMIN)
def webhooks_page(request: Request, session: SessionDep, done: str = "") -> Response:
    notes = {"replay": "The delivery will be sent again within a few seconds.", "saved": "Saved."}
    return _page(request, session, note=notes.get(done, ""))


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _page(request, session, form=form, status_code=422)


@router.post(PAGE, dependencies=ADMIN)
@form_page(_again)
def add_endpoint(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    url: Annotated[str, Form(max_length=2000, title="URL")] = "",
    description: Annotated[str, Form(max_length=300, title="Description")] = "",
    kinds: Annotated[list[str] | None, Choice("Events", max_length=50)] = None,
) -> Response:
    settings = request.app.state.settings
    try:
        endpoint, secret = webhooks.create_endpoint(
            session,
            url=url,
            kinds=kinds or [],
            description=description,
            actor_id=row_id(user),
            allow_private=settings.webhook_allow_private_addresses,
        )
    except webhooks.EndpointInvalid as exc:
        sent = {"url": url, "description": description, "kinds": kinds or []}
        return _again(request, session, Submitted(sent, exc.problems))
    return _page(request, session, created=endpoint, secret=secret)


@router.post(PAGE + "/{endpoint_id}/events", dependencies=ADMIN)
@form_page(_again)
def change_events(
    request: Request,
    endpoint_id: WholeNumber,
    session: SessionDep,
    user: CurrentUser,
    kinds: Annotated[list[str] | None, Choice("Events", max_length=50)] = None,
) -> Response:
    try:
        webhooks.set_kinds(
            session, endpoint_id=endpoint_id, kinds=kinds or [], actor_id=row_id(user)
        )
    except webhooks.EndpointInvalid as exc:
        session.rollback()
        return _again(request, session, Submitted({}, exc.problems))
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post(PAGE + "/{endpoint_id}/off", dependencies=ADMIN)
def switch_off(endpoint_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    webhooks.set_active(session, endpoint_id=endpoint_id, active=False, actor_id=row_id(user))
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post(PAGE + "/{endpoint_id}/on", dependencies=ADMIN)
def switch_on(endpoint_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    webhooks.set_active(session, endpoint_id=endpoint_id, active=True, actor_id=row_id(user))
    return RedirectResponse(f"{PAGE}?done=saved", status_code=303)


@router.post(PAGE + "/deliveries/{delivery_id}/replay", dependencies=ADMIN)
def replay_delivery(delivery_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    webhooks.replay(session, delivery_id=delivery_id, actor_id=row_id(user))
    return RedirectResponse(f"{PAGE}?done=replay", status_code=303)
