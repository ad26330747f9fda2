"""The learner's own self-assessment pages: the two optional forms and their answers side by side."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth.deps import CurrentUser
from app.content.catalog import Catalog
from app.content.measures import HIGH, LOW, Measures
from app.db import SessionDep, write_session
from app.errors import NotFound
from app.measures import answers
from app.measures.answers import Form, RatingProblems
from app.models import row_id
from app.web.deps import CatalogDep
from app.web.request_checks import checked_router
from app.web.templating import render

router = checked_router()
FORM_FIELDS = 100  # a form with more fields than this is not ours


def _measures(catalog: Catalog) -> Measures:
    """The course's self-assessment, loaded and checked with the rest of the content."""
    measures = catalog.measures
    if measures is None:
        raise NotFound("This course has no self-assessment.")
    return measures


@router.get("/measures")
def my_measures(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    """The person's own answers, before and after side by side, and any form still open."""
    measures = _measures(catalog)
    context = {
        "measures": measures,
        "sent": {s.form: s for s in answers.my_answers(session, row_id(user))},
        "open": answers.open_forms(session, catalog, row_id(user)),
    }
    return render(request, "measures/mine.html", context)


def _form_page(request: Request, measures: Measures, form: Form, **extra: object) -> Response:
    context = {"measures": measures, "form": form, "low": LOW, "high": HIGH, "typed": {}, **extra}
    return render(
        request, "measures/form.html", context, status_code=422 if "errors" in extra else 200
    )


def _check_open(engine: Engine, catalog: Catalog, user_id: int, form: Form) -> None:
    """Whether the form is the person's to send, asked before its fields are read, so a
    form not yet offered is refused whatever was sent (off the event loop)."""
    with Session(engine) as session:
        answers.ensure_open(session, catalog, user_id, form)


def _store(engine: Engine, catalog: Catalog, user_id: int, form: Form, ratings: Any) -> None:
    """Store the answers in a write transaction of their own (off the event loop)."""
    with write_session(engine) as session:
        answers.submit(session, catalog=catalog, user_id=user_id, form=form, ratings=ratings)


async def _submit(
    request: Request,
    catalog: CatalogDep,
    user: CurrentUser,
    form: Form,
) -> Response:
    measures = _measures(catalog)
    engine = request.app.state.engine
    await run_in_threadpool(_check_open, engine, catalog, row_id(user), form)
    posted = await request.form(max_fields=FORM_FIELDS)
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    try:
        ratings = answers.read_ratings(measures, form, fields)
    except RatingProblems as problems:
        return _form_page(request, measures, form, errors=problems.errors, typed=fields)
    await run_in_threadpool(_store, engine, catalog, row_id(user), form, ratings)
    return RedirectResponse(f"/measures?sent={form}", status_code=303)


def _open_form(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user_id: int,
    form: Form,
) -> Response:
    """The form, or the person's page when it is no longer (or not yet) theirs to send."""
    measures = _measures(catalog)
    if not answers.open_forms(session, catalog, user_id)[form]:
        return RedirectResponse("/measures", status_code=303)
    return _form_page(request, measures, form)


@router.get("/measures/before")
def before_form(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    return _open_form(request, session, catalog, row_id(user), "before")


@router.get("/measures/after")
def after_form(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    return _open_form(request, session, catalog, row_id(user), "after")


@router.post("/measures/before")
async def send_before(
    request: Request,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    return await _submit(request, catalog, user, "before")


@router.post("/measures/after")
async def send_after(
    request: Request,
    catalog: CatalogDep,
    user: CurrentUser,
) -> Response:
    return await _submit(request, catalog, user, "after")
