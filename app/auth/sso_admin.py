"""/admin/sso (admins only): set up single sign-on, and test the connection to the provider."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import oidc
from app.auth.deps import CurrentUser, require_role
from app.auth.sso_config import FIELDS, FLAGS, SECRET, SsoConfig, read_config, save_config
from app.auth.sso_flow import redirect_uri
from app.db import SessionDep
from app.errors import Invalid
from app.models import row_id
from app.public_ip import written_refusal
from app.web.forms import Submitted, form_page
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
ADMIN = [require_role("admin")]
PAGE = "/admin/sso"
LONGEST = 500


async def posted(request: Request) -> dict[str, str]:
    """The form's text fields as sent (the request checks already parsed it)."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(posted)]


def problems(sent: dict[str, str], *, allow_private: bool) -> dict[str, str]:
    """One message per field that cannot be saved as sent."""
    found = {name: "Use at most 500 characters." for name in FIELDS if len(sent[name]) > LONGEST}
    if sent["issuer"] and (problem := issuer_problem(sent["issuer"], allow_private)):
        found["issuer"] = problem
    if "scopes" not in found and "openid" not in sent["scopes"].replace(",", " ").split():
        found["scopes"] = (
            "Include openid in the scopes (such as “openid email profile”): without it the "
            "provider sends no ID token and no one can sign in."
        )
    if sent["create_accounts"] and not sent["allowed_domains"]:
        found["allowed_domains"] = (
            "List your organisation's e-mail domains (such as example.org) before turning on "
            "“Create an account at first sign-in”: without them anyone with an account at "
            "this provider (with Google: anyone with a Google account) would get one. Or "
            "turn creating accounts off."
        )
    if sent["enabled"] and not (sent["issuer"] and sent["client_id"]):
        found["enabled"] = "Enter the issuer and client ID before turning single sign-on on."
    if sent["only"] and not sent["enabled"]:
        found["only"] = "Turn single sign-on on before making it the only way to sign in."
    if sent["break_glass_email"] and "@" not in sent["break_glass_email"]:
        found["break_glass_email"] = "Enter the break-glass admin's e-mail address."
    return found


def issuer_problem(issuer: str, allow_private: bool) -> str:
    """Why this issuer cannot be saved, or "": https:// to a public host (a name or address).

    Its name is resolved only when used (app/auth/oidc.py), as the provider's DNS may differ
    between now and then; an address written here is judged now.
    """
    parts = urlsplit(issuer)
    plain_ok = allow_private and parts.scheme == "http"
    if not ((parts.scheme == "https" or plain_ok) and parts.hostname):
        return "Enter the issuer as an https:// address, such as https://login.example.org."
    if "@" in parts.netloc:
        return (
            "Remove the user name or password (the part before @) from the issuer: an issuer "
            "is a plain https:// address; the client ID and secret have their own boxes."
        )
    if parts.query or parts.fragment or issuer.endswith(("?", "#")):
        return (
            "Remove the part from ? or # on: an issuer address has no query or fragment "
            "(your provider's documentation gives it, such as https://accounts.google.com)."
        )
    if allow_private:
        return ""
    refusal = written_refusal(parts.hostname)
    if refusal == "number":
        return "The issuer's host ends in a number but is not an IP address."
    if refusal:
        return (
            "That is a loopback, private or link-local address: the issuer must be your "
            "provider's public https:// address."
        )
    return ""


def _page(
    request: Request,
    config: SsoConfig,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: str = "",
    test: str = "",
    test_ok: bool = False,
    status_code: int = 200,
) -> Response:
    shown = values or {name: getattr(config, name) for name in FIELDS}
    context: dict[str, Any] = {
        "title": "Single sign-on",
        "values": {**shown, SECRET: ""},
        "secret_set": bool(config.client_secret),
        "errors": errors or {},
        "saved": saved,
        "test": test,
        "test_ok": test_ok,
        "redirect_uri": redirect_uri(request.app.state.settings),
    }
    return render(request, "admin/sso.html", context, status_code=status_code)


@router.get(PAGE, dependencies=ADMIN)
def sso_page(request: Request, session: SessionDep, saved: str = "") -> Response:
    config = read_config(session, request.app.state.settings)
    return _page(request, config, saved="Single sign-on settings saved." if saved else "")


def _again(request: Request, session: Session, form: Submitted) -> Response:
    config = read_config(session, request.app.state.settings)
    return _page(
        request, config, errors=form.errors or {"form": "Check the form."}, status_code=422
    )


@router.post(PAGE, dependencies=ADMIN)
@form_page(_again)
def save_sso(request: Request, session: SessionDep, user: CurrentUser, form: Posted) -> Response:
    settings = request.app.state.settings
    sent = {name: form.get(name, "") for name in FIELDS}
    sent.update({flag: "1" if form.get(flag) else "" for flag in FLAGS})
    config = read_config(session, settings)
    if found := problems(sent, allow_private=settings.sso_allow_private_issuer):
        return _page(request, config, values=sent, errors=found, status_code=422)
    try:
        save_config(session, settings, actor_id=row_id(user), submitted=sent)
    except Invalid as exc:
        session.rollback()
        errors = {"break_glass_email": exc.message}
        return _page(request, config, values=sent, errors=errors, status_code=422)
    return RedirectResponse(f"{PAGE}?saved=1", status_code=303)


@router.post(f"{PAGE}/test", dependencies=ADMIN)
def test_connection(request: Request, session: SessionDep) -> Response:
    """Fetch the discovery document and the keys now, and say plainly what is wrong."""
    config = read_config(session, request.app.state.settings)
    if not config.issuer:
        return _page(request, config, test="Enter and save the issuer first.", status_code=422)
    try:
        allow_private = request.app.state.settings.sso_allow_private_issuer
        provider = oidc.discover(config.issuer, allow_private=allow_private, fresh=True)
        keys = oidc.key_set(provider, fresh=True)
    except oidc.SsoRefused as exc:
        return _page(request, config, test=exc.message, status_code=422)
    count = len(keys.keys)
    message = (
        f"Connected: {provider.issuer} publishes its sign-in endpoints and {count} signing "
        f"key{'s' if count != 1 else ''}."
    )
    if not config.client_secret:
        message += " The client secret is not set yet."
    return _page(request, config, test=message, test_ok=True)
