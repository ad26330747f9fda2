"""People import: upload (size counted while it streams), preview, apply."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException

from app.auth import invites
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.hr import importing
from app.hr.csvfile import MAX_BYTES, FileTooLarge, NotACsv, too_large_message
from app.hr.import_plan import ImportPlan
from app.hr.routes.common import hr_router
from app.web.deps import SettingsDep
from app.web.forms import Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.limits import BodyTooLarge, limited_receive
from app.web.request_checks import CheckedRoute
from app.web.templating import render

MULTIPART_SLACK = 64 * 1024  # headers and the other form fields around the file


def _too_large_cause(exc: BaseException | None) -> bool:
    """Whether parsing failed because the body passed a size limit (ours or the app's)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_too_large_cause(e) for e in exc.exceptions)
    return isinstance(exc, BodyTooLarge)


def _file_problem(request: Request, message: str, status_code: int) -> Response:
    """The import form again with a problem of the whole file, tied to the file field
    (aria-invalid, aria-describedby) and in the error summary focused on load."""
    context = {"error": "", "errors": {"file": message}, "pending": None}
    return render(request, "hr/import.html", context, status_code=status_code)


def _too_large(request: Request) -> Response:
    return _file_problem(request, too_large_message("The file"), 413)


class UploadLimitRoute(CheckedRoute):
    """Stops reading a request body once it passes the import limit, before any parsing."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        limit = MAX_BYTES + MULTIPART_SLACK

        async def limited(request: Request) -> Response:
            length = request.headers.get("content-length", "")
            if length.isascii() and length.isdigit() and int(length) > limit:
                return _too_large(request)
            try:
                return await handler(
                    Request(request.scope, limited_receive(request.receive, limit))
                )
            except BodyTooLarge:
                return _too_large(request)
            except HTTPException as exc:
                if _too_large_cause(exc.__cause__):
                    return _too_large(request)
                raise

        return limited


router = hr_router()
upload_router = hr_router(route_class=UploadLimitRoute)


@router.get("/import")
def import_form(request: Request, session: SessionDep) -> Response:
    return render(
        request, "hr/import.html", {"pending": invites.pending_count(session), "error": ""}
    )


def _upload_again(request: Request, session: Session, form: Submitted) -> Response:
    context = {
        "pending": invites.pending_count(session),
        "error": "",
        "sent": form.values,
        "errors": form.errors,
    }
    return render(request, "hr/import.html", context, status_code=422)


@upload_router.post("/import")
@form_page(_upload_again)
def import_preview(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(title="CSV file")],
    leavers: Annotated[str, Choice("Leavers", max_length=5)] = "",
) -> Response:
    name = (file.filename or "upload.csv")[:300]
    try:
        batch, plan = importing.preview_batch(
            session, actor=user, filename=name, data=file.file.read(), leavers=leavers == "yes"
        )
    except (FileTooLarge, NotACsv) as exc:
        return _file_problem(request, exc.message, exc.status_code)
    return render(request, "hr/import_preview.html", _preview_context(batch, plan))


def _preview_context(batch: Any, plan: ImportPlan | None, **extra: Any) -> dict[str, Any]:
    summary = json.loads(batch.summary) if batch.summary else {}
    return {
        "batch": batch,
        "plan": plan,
        "limit": importing.PREVIEW_LIMIT,
        "summary": summary,
        **extra,
    }


@router.get("/import/{batch_id}")
def import_batch(
    request: Request, batch_id: WholeNumber, session: SessionDep, user: CurrentUser
) -> Response:
    batch, plan = importing.batch_view(session, actor=user, batch_id=batch_id)
    return render(request, "hr/import_preview.html", _preview_context(batch, plan))


def _apply_again(request: Request, session: Session, form: Submitted) -> Response:
    batch_id = int(request.path_params["batch_id"])
    batch, plan = importing.batch_view(session, actor=request.state.user, batch_id=batch_id)
    context = _preview_context(batch, plan, errors=form.errors)
    return render(request, "hr/import_preview.html", context, status_code=422)


@router.post("/import/{batch_id}/apply")
@form_page(_apply_again)
def import_apply(
    request: Request,
    batch_id: WholeNumber,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    fingerprint: Annotated[str, Hidden(max_length=64)],
) -> Response:
    try:
        importing.apply_batch(
            session,
            actor=user,
            batch_id=batch_id,
            fingerprint=fingerprint,
            settings=settings,
        )
    except importing.StalePreview as exc:
        batch, plan = importing.batch_view(session, actor=user, batch_id=batch_id)
        context = _preview_context(batch, plan, error=exc.message)
        return render(request, "hr/import_preview.html", context, status_code=409)
    except importing.AlreadyApplied:
        pass
    return RedirectResponse(f"/hr/import/{batch_id}", status_code=303)
