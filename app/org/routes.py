"""/admin/settings (admins only) and the organisation's public logo and theme (/org/...)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth.deps import CurrentUser, require_role
from app.auth.kept import FormToKeep
from app.auth.kept_forms import BACK, given_back, keeps_form, settle_kept, text_fields
from app.db import SessionDep
from app.errors import Invalid
from app.models import row_id
from app.org import checks, settings_store
from app.org.current import org_of
from app.org.logo import LOGO_CSP, MAX_BYTES, checked_logo, save_logo, stored_logo
from app.org.settings_store import FIELDS, EditedMeanwhile, OrgSettings, save_settings
from app.web.forms import Confirm, Submitted, confirmed, form_page
from app.web.navigation import register
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
ADMIN = [require_role("admin")]
PAGE = "/admin/settings"
WAS = "was_"  # each field's value as the form showed it, sent back hidden
register(PAGE, "Settings", "admin")
LABELS = settings_store.LABELS | {"logo": "Logo", "confirm": "Remove the logo"}
UNCONFIRMED = (
    "Remove the logo: tick “Yes, remove the logo” to confirm. It is not kept: to have it "
    "back, upload the file again. Nothing was changed."
)


def _labelled(problems: dict[str, str]) -> dict[str, str]:
    """Each message led by its field's label, as every form in the app words them."""
    return {
        name: message
        if message.startswith(LABELS.get(name, "\0"))
        else f"{LABELS.get(name, 'Form')}: {message}"
        for name, message in problems.items()
    }


async def posted(request: Request) -> dict[str, str]:
    """The settings form's text fields as sent (the request checks already parsed it)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(posted)]


def _page(
    request: Request,
    org: OrgSettings,
    *,
    sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    was: dict[str, str] | None = None,
    status_code: int = 200,
    saved: str = "",
    kept_notice: str = "",
) -> Response:
    current = {name: getattr(org, name) for name in FIELDS}
    context: dict[str, Any] = {
        "title": "Organisation settings",
        "org": org,
        "values": sent or current,
        "was": was or current,
        "errors": _labelled(errors or {}),
        "labels": LABELS,
        "saved": saved,
        "kept_notice": kept_notice,
        "logo_limit_kb": MAX_BYTES // 1024,
    }
    return render(request, "admin/settings.html", context, status_code=status_code)


def settings_to_keep(request: Request, form: FormData) -> FormToKeep | None:
    """The settings as typed and as the form showed them (so a save later still sees what
    another admin changed meanwhile); nothing when no field was changed."""
    fields = text_fields(form, [*FIELDS, *(WAS + name for name in FIELDS)])
    changed = any(fields.get(name, "") != fields.get(WAS + name, "") for name in FIELDS)
    return FormToKeep(kind="settings", module_id="", page=PAGE, fields=fields if changed else {})


KeptSettings = Annotated[dict[str, str], Depends(given_back("settings", lambda _request: ""))]


@router.get(PAGE, dependencies=ADMIN)
def settings_page(request: Request, kept: KeptSettings, saved: str = "") -> Response:
    note = {"settings": "Settings saved.", "logo": "Logo saved.", "nologo": "Logo removed."}
    if not kept:
        return _page(request, org_of(request), saved=note.get(saved, ""))
    sent = {name: kept.get(name, "") for name in FIELDS}
    was = {name: kept.get(WAS + name, "") for name in FIELDS}
    notice = BACK.format(button="Save settings")
    response = _page(request, org_of(request), sent=sent, was=was, kept_notice=notice)
    return settle_kept(request, response)


def _again(request: Request, session: Session, form: Submitted) -> Response:
    return _page(
        request, org_of(request), errors=form.errors or {"form": "Check the form."}, status_code=422
    )


@router.post(PAGE, dependencies=ADMIN)
@form_page(_again)
@keeps_form(settings_to_keep)
def save_settings_page(
    request: Request, session: SessionDep, user: CurrentUser, form: Posted
) -> Response:
    sent = checks.cleaned({name: form.get(name, "") for name in FIELDS})
    was = {name: form.get(WAS + name, "") for name in FIELDS}
    problems = checks.problems(sent)
    if not sent["organisation_name"] and not was["organisation_name"]:
        problems.pop("organisation_name", None)  # still unset: other fields may be saved
    if problems:
        return _page(request, org_of(request), sent=sent, errors=problems, was=was, status_code=422)
    settings = request.app.state.settings
    try:
        save_settings(session, actor_id=row_id(user), submitted=sent, was=was, settings=settings)
    except EditedMeanwhile as exc:
        session.rollback()
        # Shown with the stored values as the new starting point, so saving again is deliberate.
        return _page(request, org_of(request), sent=sent, errors=exc.problems, status_code=409)
    return RedirectResponse(f"{PAGE}?saved=settings", status_code=303)


@router.post(f"{PAGE}/logo", dependencies=ADMIN)
@form_page(_again)
def upload_logo(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    logo: Annotated[UploadFile, File(title="Logo")],
) -> Response:
    data = logo.file.read(MAX_BYTES + 1)  # at most one byte past the limit is ever read
    try:
        checked = checked_logo(data, logo.filename or "")
    except Invalid as exc:
        return _page(request, org_of(request), errors={"logo": exc.message}, status_code=422)
    save_logo(session, actor_id=row_id(user), logo=checked)
    return RedirectResponse(f"{PAGE}?saved=logo", status_code=303)


@router.post(f"{PAGE}/logo/remove", dependencies=ADMIN)
@form_page(_again)
def remove_logo(
    request: Request, session: SessionDep, user: CurrentUser, confirm: Confirm = ""
) -> Response:
    """Asks first: a ticked "Yes, remove the logo" (the logo is not kept once removed)."""
    if not confirmed(confirm):
        return _page(request, org_of(request), errors={"confirm": UNCONFIRMED}, status_code=422)
    save_logo(session, actor_id=row_id(user), logo=None)
    return RedirectResponse(f"{PAGE}?saved=nologo", status_code=303)


@router.get("/org/logo")
def logo_file(request: Request, session: SessionDep) -> Response:
    """The stored logo, as its own type only, with a CSP under which nothing in it runs."""
    logo = stored_logo(session)
    if logo is None:
        return Response(
            status_code=404, content="No logo has been uploaded.", media_type="text/plain"
        )
    fresh = request.query_params.get("v") == logo.sha256[:12]
    headers = {
        "Content-Security-Policy": LOGO_CSP,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": 'inline; filename="logo'
        + ('.svg"' if logo.content_type == "image/svg+xml" else '.png"'),
        "Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache",
        "ETag": f'"{logo.sha256[:32]}"',
    }
    return Response(content=logo.data, media_type=logo.content_type, headers=headers)


@router.get("/org/theme.css")
def theme_css(request: Request) -> Response:
    """The accent colours as CSS custom properties (no inline style or script on pages)."""
    org = org_of(request)
    rules = []
    if org.accent_colour and not checks.colour_problem("accent_colour", org.accent_colour):
        light = checks.normalise_colour(org.accent_colour)
        rules.append(
            f"@media screen and (prefers-color-scheme: light) {{ :root {{ --accent: {light}; }} }}"
        )
    if org.accent_colour_dark and not checks.colour_problem(
        "accent_colour_dark", org.accent_colour_dark
    ):
        dark = checks.normalise_colour(org.accent_colour_dark)
        rules.append(
            f"@media screen and (prefers-color-scheme: dark) {{ :root {{ --accent: {dark}; }} }}"
        )
    css = "\n".join(rules) + "\n"
    fresh = request.query_params.get("v") == theme_version(org)
    return Response(
        content=css,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache"},
    )


def theme_version(org: OrgSettings) -> str:
    """Changes whenever a colour does, so a page's link to theme.css is never stale."""
    both = f"{org.accent_colour}|{org.accent_colour_dark}"
    return hashlib.sha256(both.encode()).hexdigest()[:12]
