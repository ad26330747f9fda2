"""Facilitator routes: set-up, overview, presenter and remote views, step controls, records.

Its `router` is the whole feature's, for main.py: it includes the participant and admission routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Invalid, NotFound
from app.live import facilitator, planning_mail, qr, summary
from app.live.admission_routes import router as admission_router
from app.live.controls import (
    MOVED,
    VIEWS,
    BaseUrl,
    Facilitator,
    control_again,
    control_context,
    controlled,
)
from app.live.open_answers_routes import router as open_answers_router
from app.live.participant_routes import router as participant_router
from app.live.planning_routes import router as planning_router
from app.live.stage import Unchanged
from app.live.stream_routes import router as stream_router
from app.live.web import Started, no_store, not_modified
from app.web import navigation
from app.web.deps import CatalogDep, SettingsDep
from app.web.forms import FORM, STALE, Choice, Hidden, Submitted, form_page
from app.web.inputs import WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import is_htmx, render

router = checked_router()
router.include_router(participant_router)
router.include_router(admission_router)
router.include_router(stream_router)
router.include_router(planning_router)
router.include_router(open_answers_router)
navigation.register("/live", "Group sessions", "facilitator", "admin")


@router.get("/live")
def index(
    request: Request, session: SessionDep, catalog: CatalogDep, user: Facilitator
) -> Response:
    rows = facilitator.list_sessions(session, catalog, user=user)
    return render(request, "live/index.html", {"rows": rows, "modules": catalog.modules})


@router.get("/live/new")
def new_session(
    request: Request,
    catalog: CatalogDep,
    user: Facilitator,
    module_id: str = Query("", max_length=100),
) -> Response:
    module = facilitator.setup_module(catalog, module_id=module_id)
    context = {"module": module, "chosen": facilitator.default_scenarios(module)}
    return render(request, "live/new.html", context)


def _create_again(request: Request, session: Session, form: Submitted) -> Response:
    """The scenario choice for the module sent, or the module choice when that was the problem."""
    catalog = request.app.state.catalog
    module = catalog.get(form.get("module_id"))
    if module is None:
        rows = facilitator.list_sessions(session, catalog, user=request.state.user)
        context = {"rows": rows, "modules": catalog.modules, "errors": {FORM: STALE}}
        return render(request, "live/index.html", context, status_code=422)
    context = {
        "module": module,
        "chosen": form.get("scenario", []),
        "headcount": form.get("headcount"),
        "signin_to_vote": form.get("signin_to_vote") == "yes",
        "auto_reveal": form.get("auto_reveal") == "yes",
        "errors": form.errors,
    }
    return render(request, "live/new.html", context, status_code=422)


@router.post("/live")
@form_page(_create_again)
def create(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    user: Facilitator,
    module_id: Annotated[str, Hidden(max_length=100)],
    scenario: Annotated[list[str], Choice("Scenarios to vote on", max_length=20)] = [],  # noqa: B006
    headcount: Annotated[int | None, Form(title="People you expect", ge=1, le=1000)] = None,
    signin_to_vote: Annotated[str, Choice("Sign in to vote", max_length=5)] = "",
    auto_reveal: Annotated[str, Choice("Reveal by itself", max_length=5)] = "",
) -> Response:
    try:
        live = facilitator.create_session(
            session,
            catalog,
            facilitator=user,
            module_id=module_id,
            scenario_ids=scenario,
            headcount=headcount,
            signin_to_vote=signin_to_vote == "yes",
            auto_reveal=auto_reveal == "yes",
        )
    except Invalid as exc:
        field = "headcount" if isinstance(exc, facilitator.HeadcountInvalid) else "scenario"
        sent = Submitted(
            {"module_id": module_id, "scenario": scenario, "headcount": headcount or ""},
            {field: exc.message},
        )
        return _create_again(request, session, sent)
    return RedirectResponse(f"/live/{live.id}", status_code=303)


@router.get("/live/commitments")
def commitments(user: CurrentUser) -> Response:
    """Commitments written in group sessions are plans on My commitments now (old links)."""
    return RedirectResponse("/commitments", status_code=303)


@router.get("/live/guides/{module_id}")
def guide(request: Request, module_id: str, catalog: CatalogDep, user: Facilitator) -> Response:
    module = facilitator.setup_module(catalog, module_id=module_id)
    if module.quiz.facilitator is None:
        raise NotFound("This module has no facilitator notes yet.")
    return render(request, "live/guide.html", {"module": module, "notes": module.quiz.facilitator})


@router.get("/live/{session_id:int}")
@router.get("/live/{session_id:int}/present")
@router.get("/live/{session_id:int}/remote")
def control_view(
    request: Request,
    session_id: WholeNumber,
    since: Started,
    session: SessionDep,
    catalog: CatalogDep,
    user: Facilitator,
    base: BaseUrl,
    moved: str = "",
) -> Response:
    """The session page (the laptop's controls), the projector or the phone remote; its
    fragment for htmx, or 304 when the poll saw no change."""
    last = request.url.path.rstrip("/").rsplit("/", 1)[1]
    view = last if last in VIEWS else "session"
    known = request.headers.get("If-None-Match", "") if is_htmx(request) else ""
    stage = facilitator.control_stage(
        session, catalog, user=user, session_id=session_id, known_etag=known
    )
    if isinstance(stage, Unchanged):
        return not_modified(stage.etag, since)
    page, fragment = VIEWS[view]
    context = control_context(stage, base) | {"view": view, "moved": moved == MOVED}
    response = render(request, page, context, fragment=fragment)
    return no_store(response, etag=str(context["etag"]), since=since)


@router.post("/live/{session_id:int}/step")
@form_page(control_again)
def change_step(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    user: Facilitator,
    action: Annotated[str, Hidden(max_length=10)],
    version: Annotated[WholeNumber, Hidden()],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    def act() -> None:
        live = facilitator.change_step(
            session,
            catalog,
            settings,
            user=user,
            session_id=session_id,
            action=action,
            seen_version=version,
        )
        if live.ended_at is not None:  # the facilitator gets the summary by e-mail
            planning_mail.queue_summary(session, catalog, settings, live=live)

    return controlled(request, session, session_id, view, act)


@router.post("/live/{session_id:int}/countdown")
@form_page(control_again)
def countdown(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    user: Facilitator,
    minutes: Annotated[WholeNumber, Hidden(le=60)],
    version: Annotated[WholeNumber, Hidden()],
    view: Annotated[str, Hidden(max_length=10)] = "session",
) -> Response:
    def act() -> None:
        facilitator.set_countdown(
            session, user=user, session_id=session_id, minutes=minutes, seen_version=version
        )

    return controlled(request, session, session_id, view, act)


@router.get("/live/{session_id:int}/qr.svg")
def qr_code(
    session_id: WholeNumber, session: SessionDep, user: Facilitator, base: BaseUrl
) -> Response:
    live = facilitator.owned_session(session, user=user, session_id=session_id)
    svg = qr.qr_svg(qr.join_url(base, live.code))
    return no_store(Response(svg, media_type="image/svg+xml"))


@router.get("/live/{session_id:int}/summary")
def summary_page(
    request: Request,
    session_id: WholeNumber,
    session: SessionDep,
    catalog: CatalogDep,
    user: Facilitator,
) -> Response:
    record = summary.session_summary(session, catalog, user=user, session_id=session_id)
    return no_store(render(request, "live/summary.html", {"summary": record}))


@router.get("/live/{session_id:int}/summary.csv")
def summary_csv(
    session_id: WholeNumber, session: SessionDep, catalog: CatalogDep, user: Facilitator
) -> Response:
    record = summary.session_summary(session, catalog, user=user, session_id=session_id)
    name = f"group-session-{record.held_on:%Y-%m-%d}-{record.module.id}.csv"
    return no_store(
        Response(
            summary.summary_csv(record),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )
