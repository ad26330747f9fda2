"""The e-mail texts pages (/hr/emails): list, edit, preview on sample data, send a test, restore.

HR edits the reminder, overdue, manager-digest and recertification texts (it runs reminders);
only an admin edits the invitation and password-reset texts, which carry sign-in links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth.deps import CurrentUser
from app.auth.kept import FormToKeep
from app.auth.kept_forms import BACK, given_back, keeps_form, settle_kept, text_fields
from app.db import SessionDep
from app.errors import DomainError, TooManyRequests
from app.hr import email_texts, reminder_schedule
from app.hr.routes.common import hr_router
from app.mail import stored_texts, texts
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import Confirm, Hidden, Submitted, confirmed, form_page
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import render

router = hr_router()


async def text_editor(kind: str, user: CurrentUser) -> texts.Kind:
    """The e-mail named in the path, if this person may edit it (404 or 403 otherwise)."""
    return email_texts.editable(kind, user.role)


Editable = Annotated[texts.Kind, Depends(text_editor)]
Subject = Annotated[str, Form(max_length=texts.SUBJECT_MAX, title="Subject")]
Body = Annotated[str, Form(max_length=texts.BODY_MAX, title="Body")]
Version = Annotated[WholeNumber, Hidden()]


@router.get("/emails")
def emails_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    listed = [(k, stored_texts.current(session, k.key)) for k in email_texts.kinds_for(user.role)]
    schedule = reminder_schedule.current(session, settings)
    return render(request, "hr/emails.html", {"listed": listed, "schedule": schedule})


def _page(
    request: Request,
    session: Session,
    kind: texts.Kind,
    *,
    subject: str | None = None,
    body: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    state = request.app.state
    saved = stored_texts.current(session, kind.key)
    subject = saved.subject if subject is None else subject
    body = saved.body if body is None else body
    shown_subject, shown_body = email_texts.preview(
        session, state.settings, state.catalog, kind, subject=subject, body=body
    )
    context = {
        "kind": kind,
        "saved": saved,
        "subject": subject,
        "body": body,
        "errors": errors or {},
        "preview": {"subject": shown_subject, "body": shown_body},
        "sender": stored_texts.sender_name(session, state.settings),
        "placeholders": [(n, texts.PLACEHOLDERS[n]) for n in kind.names],
        "query": request.query_params,
        **extra,
    }
    return render(
        request,
        "hr/email_edit.html",
        context,
        fragment="hr/_email_preview.html",
        status_code=status_code,
    )


def _again(request: Request, session: Session, form: Submitted) -> Response:
    kind = email_texts.editable(request.path_params.get("kind", ""), request.state.user.role)
    return _page(
        request,
        session,
        kind,
        subject=form.get("subject"),
        body=form.get("body"),
        errors=form.errors,
        status_code=422,
    )


def _refused(
    request: Request,
    session: Session,
    kind: texts.Kind,
    exc: texts.TextProblems | DomainError,
    *,
    subject: str | None = None,
    body: str | None = None,
) -> Response:
    """The page again with what was typed and why it was refused (422, 409 or 429)."""
    if isinstance(exc, texts.TextProblems):
        errors, status = exc.problems, 422
    else:
        errors, status = {"form": exc.message}, exc.status_code
    conflict = isinstance(exc, email_texts.TextChanged)
    return _page(
        request,
        session,
        kind,
        subject=subject,
        body=body,
        errors=errors,
        status_code=status,
        conflict=conflict,
    )


def text_to_keep(request: Request, form: FormData) -> FormToKeep | None:
    """The subject and body as typed, and the version the form was drawn on (a save later
    is refused if someone saved the text meanwhile, as it would have been then)."""
    kind = str(request.path_params.get("kind", ""))
    if kind not in texts.KINDS:
        return None
    fields = text_fields(form, ("subject", "body", "version"))
    return FormToKeep(kind="email", module_id=kind, page=f"/hr/emails/{kind}", fields=fields)


def _kind_of(request: Request) -> str:
    return str(request.path_params.get("kind", ""))


KeptText = Annotated[dict[str, str], Depends(given_back("email", _kind_of))]


@router.get("/emails/{kind}")
def email_page(request: Request, session: SessionDep, kind: Editable, kept: KeptText) -> Response:
    if not kept:
        return _page(request, session, kind)
    version = whole_number(kept.get("version", ""))
    response = _page(
        request, session, kind, subject=kept.get("subject", ""), body=kept.get("body", ""),
        kept_notice=BACK.format(button="Save"), form_version=version,
    )  # fmt: skip
    return settle_kept(request, response)


def _stored(
    request: Request,
    session: Session,
    kind: texts.Kind,
    store: Callable[[], None],
    *,
    done: str,
    subject: str | None = None,
    body: str | None = None,
) -> Response:
    """Save or restore through `store`; the page again with why, if it was refused."""
    try:
        store()
    except (texts.TextProblems, email_texts.TextChanged) as exc:
        return _refused(request, session, kind, exc, subject=subject, body=body)
    return RedirectResponse(f"/hr/emails/{kind.key}?done={done}", status_code=303)


@router.post("/emails/{kind}")
@form_page(_again)
@keeps_form(text_to_keep)
def save_email(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    kind: Editable,
    version: Version,
    subject: Subject = "",
    body: Body = "",
) -> Response:
    def store() -> None:
        email_texts.save(
            session, kind, subject=subject, body=body, version=version, actor_id=user.id
        )

    return _stored(request, session, kind, store, done="saved", subject=subject, body=body)


@router.post("/emails/{kind}/preview")
@form_page(_again)
@keeps_form(text_to_keep)
def preview_email(
    request: Request, session: SessionDep, kind: Editable, subject: Subject = "", body: Body = ""
) -> Response:
    errors: dict[str, str] = {}
    try:
        texts.check(kind, subject=subject, body=body)
    except texts.TextProblems as exc:
        errors = exc.problems
    return _page(request, session, kind, subject=subject, body=body, errors=errors)


@router.post("/emails/{kind}/test")
@form_page(_again)
@keeps_form(text_to_keep)
def test_email(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    catalog: CatalogDep,
    user: CurrentUser,
    kind: Editable,
    subject: Subject = "",
    body: Body = "",
) -> Response:
    try:
        email_texts.send_test(
            session,
            settings,
            catalog,
            kind,
            subject=subject,
            body=body,
            to=user.email,
            actor_id=user.id,
        )
    except (texts.TextProblems, TooManyRequests) as exc:
        return _refused(request, session, kind, exc, subject=subject, body=body)
    return _page(request, session, kind, subject=subject, body=body, tested=user.email)


UNCONFIRMED = (
    "Restore the default text: tick “Yes, replace the edited text” to confirm. The edited "
    "text is not kept (the audit log has only its subject). Nothing was changed."
)


@router.post("/emails/{kind}/restore")
@form_page(_again)
def restore_email(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    kind: Editable,
    version: Version,
    confirm: Confirm = "",
) -> Response:
    """Asks first (a ticked box): the edited text cannot be got back once replaced."""
    if not confirmed(confirm):
        return _page(request, session, kind, errors={"confirm": UNCONFIRMED}, status_code=422)

    def store() -> None:
        email_texts.restore(session, kind, version=version, actor_id=user.id)

    return _stored(request, session, kind, store, done="restored")
