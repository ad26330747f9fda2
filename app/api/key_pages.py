"""The admin page for API keys, in the HR area (/hr/api-keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.api import keys
from app.auth.deps import CurrentUser, require_role
from app.clock import utcnow
from app.db import SessionDep
from app.errors import Invalid
from app.hr.routes.common import hr_router
from app.web.forms import Choice, Submitted, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import render

router = hr_router()
ADMIN = [require_role("admin")]


@router.get("/api-keys", dependencies=ADMIN)
def api_keys(request: Request, session: SessionDep) -> Response:
    return render(request, "api/keys.html", _context(session))


def _context(session: Session, **more: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"keys": keys.list_keys(session), "secret": None, "error": ""}
    found.update(scopes=keys.SCOPES, now=utcnow(), **more)
    return found


def _key_again(request: Request, session: Session, form: Submitted) -> Response:
    context = _context(session, sent=form.values, errors=form.errors)
    return render(request, "api/keys.html", context, status_code=422)


@router.post("/api-keys", dependencies=ADMIN)
@form_page(_key_again)
def create_api_key(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=200, title="Name")] = "",
    scopes: Annotated[list[str] | None, Choice("Scopes", max_length=20)] = None,
    expires_days: Annotated[str, Form(max_length=20, title="Expires after (days)")] = "",
) -> Response:
    chosen = scopes or []
    days = expires_days.strip()
    try:
        if not chosen:  # unticking everything never means "the default scopes"
            raise Invalid("Scopes: tick at least one scope for this key.")
        if days and whole_number(days) is None:
            raise Invalid(keys.EXPIRY_PROBLEM)
        key, secret = keys.create_key(
            session,
            name=name,
            scopes=chosen,
            actor_id=user.id,
            expires_in_days=whole_number(days) if days else None,
        )
    except Invalid as exc:
        field = (
            "expires_days"
            if exc.message.startswith("Expir")
            else ("scopes" if "scope" in exc.message else "name")
        )
        values = {"name": name, "scopes": chosen, "expires_days": expires_days}
        return _key_again(request, session, Submitted(values, {field: exc.message}))
    return render(request, "api/keys.html", _context(session, secret=secret, created=key))


@router.post("/api-keys/{key_id}/revoke", dependencies=ADMIN)
def revoke_api_key(key_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    keys.revoke_key(session, key_ref=str(key_id), actor_id=user.id)
    return RedirectResponse("/hr/api-keys", status_code=303)
