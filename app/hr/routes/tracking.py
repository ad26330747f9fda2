"""HR tracking pages: overview, people table, person drill-down, hardest scenarios, CSV exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth.deps import CurrentUser
from app.clock import utcnow
from app.content.catalog import Catalog
from app.db import SessionDep, write_session
from app.errors import Invalid
from app.hr import bulk, exports, getting_started, people, person, recert, reports, unassign
from app.hr.routes.common import hr_router
from app.lasting.released import lasting_panel
from app.learning.reopened import must_retake
from app.live.reports import sessions_summary
from app.measures.released import department_changes
from app.org.current import org_of
from app.privacy import MIN_GROUP
from app.refreshers.participation import refresher_panel
from app.web.announce import announce
from app.web.deps import CatalogDep, SettingsDep
from app.web.inputs import WholeNumber, whole_number
from app.web.templating import is_htmx, render

router = hr_router()
# The admins' organisation settings page (issue 17, point 1), linked from the first step.
SETTINGS_PAGE = "/admin/settings"


def people_filter(
    q: Annotated[str, Query(max_length=200)] = "",
    department: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    leavers: Annotated[str, Query(max_length=5)] = "",
    sort: Annotated[str, Query(max_length=20)] = "",
    recert: Annotated[str, Query(max_length=20)] = "",
) -> people.PeopleFilter:
    return people.parse_filter(
        q=q,
        department=department,
        status=status,
        overdue=overdue,
        leavers=leavers,
        sort=sort,
        recert=recert,
    )


PAGE_LINKS = ("people-prev", "people-next")  # the pager's ids in hr/_people_table.html
FilterDep = Annotated[people.PeopleFilter, Depends(people_filter)]


@router.get("")
def overview(
    request: Request, session: SessionDep, catalog: CatalogDep, settings: SettingsDep
) -> Response:
    start = getting_started.first_run(session, settings, org_of(request).organisation_name)
    context = {
        "start": start,
        "o": reports.overview(session),
        "recert": recert.overview(session, now=utcnow()),
        "must_retake": must_retake(session, catalog),
        "live": sessions_summary(session),
        "lasting": lasting_panel(request.app.state.engine),
        "refresher_participation": refresher_panel(request.app.state.engine, catalog),
        "measures_change": department_changes(request.app.state.engine),
        "titles": {m.id: m.title for m in catalog.modules},
        "min_group": MIN_GROUP,
        "scenarios_ready": not start.fresh
        and reports.scenarios_ready(request.app.state.engine, catalog),
        "settings_page": SETTINGS_PAGE,
    }
    return render(request, "hr/overview.html", context)


@router.get("/people")
def people_list(
    request: Request,
    session: SessionDep,
    filters: FilterDep,
    catalog: CatalogDep,
    page: Annotated[WholeNumber, Query(ge=1)] = 1,
) -> Response:
    context = people_context(session, filters, page=page, catalog=catalog)
    context["outcome"] = bulk.outcome_from(request.query_params)
    result = context["p"]
    response = render(request, "hr/people.html", context, fragment="hr/_people_table.html")
    if is_htmx(request):
        # A page link pressed is swapped out with the table: focus goes to the new caption.
        # A filter changed stays focused where it is, so several can be set in a row.
        paged = request.headers.get("HX-Trigger") in PAGE_LINKS
        announce(response, result.summary, focus="#people-table caption" if paged else None)
    return response


def people_context(
    session: Session, filters: people.PeopleFilter, *, page: int, catalog: Catalog
) -> dict[str, Any]:
    """What the people page and its table need: a page of people and the bulk actions' choices."""
    return {
        "p": people.people_page(session, filters=filters, page=page),
        "statuses": people.STATUSES,
        "overdue_choices": people.OVERDUE,
        "recert_choices": people.RECERT_STATUSES,
        "sorts": people.SORTS,
        "actions": bulk.ACTIONS,
        "modules": catalog.modules,
    }


@router.get("/people/export.csv")
async def export_people(
    request: Request,
    catalog: CatalogDep,
    user: CurrentUser,
    filters: FilterDep,
    kind: Annotated[str, Query(max_length=10)] = "long",
) -> Response:
    if kind not in exports.KINDS:
        raise Invalid("The export kind must be “long” (person x module) or “pivot”.")
    # `async` to stream; the audit record is written in a thread, in a session of its own.
    name = await run_in_threadpool(_start_export, request.app.state.engine, user.id, kind, filters)
    stream = exports.csv_chunks(
        exports.rows(request.app.state.engine, catalog, kind=kind, filters=filters)
    )
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _start_export(engine: Engine, actor_id: int, kind: str, filters: people.PeopleFilter) -> str:
    with write_session(engine) as session:
        return exports.start_export(session, actor_id=actor_id, kind=kind, filters=filters)


@router.get("/people/{user_id}")
def person_page(
    request: Request, user_id: WholeNumber, session: SessionDep, catalog: CatalogDep
) -> Response:
    detail = person.person_detail(session, catalog, user_id=user_id)
    removed = unassign.removed_for(session, user_id=user_id)
    return render(request, "hr/person.html", {"d": detail, "removed": removed})


@router.get("/scenarios")
def scenarios(
    request: Request,
    session: SessionDep,
    catalog: CatalogDep,
    department: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    dept = whole_number(department) if department else None
    if department and dept is None:
        raise Invalid("Department must be a department id from the list.")
    rows = reports.hardest_scenarios(request.app.state.engine, catalog, department_id=dept)
    choices = people.department_choices(session)
    context = {
        "rows": rows,
        "departments": choices,
        "department": department,
        "min_group": MIN_GROUP,
    }
    response = render(request, "hr/scenarios.html", context, fragment="hr/_scenarios.html")
    if is_htmx(request):
        where = dict(choices).get(dept or 0, "everyone")
        count = "1 scenario" if len(rows) == 1 else f"{len(rows)} scenarios"
        announce(response, f"Hardest scenarios for {where}: {count}")
    return response
