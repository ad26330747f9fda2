"""The admin page for API keys, in the HR area (/hr/api-keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.api import keys
from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.errors import Invalid
from app.hr.routes.common import hr_router
from app.web.forms import Choice, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.templating import render

router = hr_router()
ADMIN = [require_role("admin")]


@router.get("/api-keys", dependencies=ADMIN)
def api_keys(request: Request, session: SessionDep) -> Response:
    return render(
        request, "api/keys.html", {"keys": keys.list_keys(session), "secret": None, "error": ""}
    )


def _key_again(request: Request, session: Session, form: Submitted) -> Response:
    context = {
        "keys": keys.list_keys(session),
        "secret": None,
        "error": "",
        "sent": form.values,
        "errors": form.errors,
    }
    return render(request, "api/keys.html", context, status_code=422)


@router.post("/api-keys", dependencies=ADMIN)
@form_page(_key_again)
def create_api_key(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=200, title="Name")] = "",
    write: Annotated[str, Choice("Allow writing", max_length=5)] = "",
) -> Response:
    scopes = ["read", "write"] if write == "yes" else ["read"]
    try:
        key, secret = keys.create_key(session, name=name, scopes=scopes, actor_id=user.id)
    except Invalid as exc:
        sent = Submitted({"name": name, "write": write}, {"name": exc.message})
        return _key_again(request, session, sent)
    context: dict[str, Any] = {
        "keys": keys.list_keys(session),
        "secret": secret,
        "created": key,
        "error": "",
    }
    return render(request, "api/keys.html", context)


@router.post("/api-keys/{key_id}/revoke", dependencies=ADMIN)
def revoke_api_key(key_id: WholeNumber, session: SessionDep, user: CurrentUser) -> Response:
    keys.revoke_key(session, key_ref=str(key_id), actor_id=user.id)
    return RedirectResponse("/hr/api-keys", status_code=303)
