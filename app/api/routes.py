"""API v1 routes for people, departments, modules and completions (API keys as Bearer tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query, Request, Response

from app.api import people_batch, people_write, progress, service
from app.api.auth import (
    AnyKey,
    EventsRead,
    PeopleRead,
    PeopleWrite,
    ReportsRead,
    api_key,
    scoped,
)
from app.api.etags import etag_of
from app.api.openapi_bits import COMMON, CONFLICT, NOT_FOUND, PRECONDITION, TOO_LARGE, ok, problem
from app.api.schemas import (
    BATCH_MAX,
    CURSOR_EXAMPLE,
    DepartmentOut,
    ModuleOut,
    PeopleBatchIn,
    PeopleBatchOut,
    PeoplePage,
    PersonIn,
    PersonOut,
    ProgressPage,
)
from app.db import SessionDep
from app.events import feed
from app.web.deps import CatalogDep, SettingsDep
from app.web.inputs import ApiTime, WholeNumber
from app.web.request_checks import checked_router

__all__ = ["api_key", "router", "scoped"]  # scoped(scope) is how other API parts guard routes

router = checked_router(prefix="/api/v1", tags=["API v1"], responses=COMMON)
ExternalId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The HR system's id for the person (matched without regard to ASCII case).",
        examples=["E1042"],
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=2000,
        description='The ETag of your last read (e.g. "9c1f…"); a stale one gets 412. Weak '
        "tags (W/…) never match.",
        examples=['"9c1f2b7e4d0a8f3c6b5e1d2a7f9c0b4e"'],
    ),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description="`next_cursor` from the previous page.",
        examples=[CURSOR_EXAMPLE],
    ),
]
Limit = Annotated[
    WholeNumber, Query(ge=1, le=progress.PAGE_MAX, description="Page size.", examples=[100])
]
Since = Annotated[
    ApiTime | None,
    Query(
        description="ISO 8601 with a time zone, e.g. 2026-01-31T00:00:00Z.",
        examples=["2026-01-31T00:00:00Z"],
    ),
]


def _with_etag(response: Response, found: PersonOut) -> PersonOut:
    response.headers["ETag"] = etag_of(found)
    return found


@router.get(
    "/modules",
    response_model=list[ModuleOut],
    summary="The course's modules, in order",
    description="Any valid key may read the list of modules.",
    responses={200: ok("The modules.", etag=True)},
)
def list_modules(catalog: CatalogDep, response: Response, _key: AnyKey) -> list[ModuleOut]:
    found = service.modules(catalog)
    response.headers["ETag"] = etag_of(list(found))
    return found


@router.get(
    "/departments",
    response_model=list[DepartmentOut],
    summary="Departments, with how many active people each has",
    description="Needs `people:read`. Departments are made by naming them on a person.",
    responses={200: ok("The departments.", etag=True)},
)
def list_departments(
    session: SessionDep, response: Response, _key: PeopleRead
) -> list[DepartmentOut]:
    found = service.departments(session)
    response.headers["ETag"] = etag_of(list(found))
    return found


@router.get(
    "/people",
    response_model=PeoplePage,
    summary="People, oldest change first, paged with a cursor",
    description="Needs `people:read`. With `updated_since`, only people changed at or after "
    "that time (any change to the person, by the API, an import or the app).",
    responses={200: ok("A page of people.")},
)
def list_people(
    session: SessionDep,
    _key: PeopleRead,
    updated_since: Since = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PeoplePage:
    return service.people_page(session, updated_since=updated_since, cursor=cursor, limit=limit)


@router.get(
    "/people/{external_id}",
    response_model=PersonOut,
    summary="One person, their assignments and progress",
    description="Needs `people:read`. External ids match without regard to ASCII case.",
    responses={
        200: ok("The person.", etag=True),
        304: {"description": "Not modified."},
        **NOT_FOUND,
    },
)
def get_person(
    external_id: ExternalId,
    request: Request,
    response: Response,
    session: SessionDep,
    _key: PeopleRead,
) -> PersonOut | Response:
    found = service.get_person(session, external_id=external_id)
    tag = etag_of(found)
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": tag, **_rate(response)})
    return _with_etag(response, found)


def _rate(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("ratelimit")}


@router.put(
    "/people/{external_id}",
    response_model=PersonOut,
    summary="Create or update a person (new people get an invitation)",
    description="Needs `people:write`. Omitted optional fields stay as they are; a leaver is "
    'only re-activated by `"active": true`. Send If-Match with the ETag of your read to '
    "never overwrite a change made since (412 if the person changed). A new external id is "
    "1 to 200 ASCII letters, digits and `. _ - : @ +` (look-alike letters are refused).",
    responses={
        200: ok("Updated.", etag=True),
        201: {**ok("Created.", etag=True, location=True), "model": PersonOut},
        403: problem(
            "The key lacks `people:write`, or the person is an hr or admin account whose "
            "e-mail, role or active state an API key may not change."
        ),
        **CONFLICT,
        **PRECONDITION,
        **TOO_LARGE,
    },
)
def put_person(
    external_id: ExternalId,
    body: PersonIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    key: PeopleWrite,
    if_match: IfMatch = None,
) -> PersonOut:
    person, created = people_write.put_person(
        session, settings, key=key, external_id=external_id, body=body, if_match=if_match
    )
    if created:
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/people/{person.external_id}"
    return _with_etag(response, person)


@router.post(
    "/people/batch",
    response_model=PeopleBatchOut,
    summary="Create or update many people at once (managers in any order)",
    description=f"Needs `people:write`. Up to {BATCH_MAX} people (and 1 MB), each as in PUT "
    "/people/{external_id} plus its `external_id`. All or nothing: the first problem refuses "
    "the batch and names the item (`#/people/3/email`). Managers may be named by external id "
    "or e-mail before or after they appear in the batch; a loop, even one closed across "
    "several items, is refused with the chain named.",
    responses={200: ok("Written."), **CONFLICT, **TOO_LARGE},
)
def put_people(
    body: PeopleBatchIn, session: SessionDep, settings: SettingsDep, key: PeopleWrite
) -> PeopleBatchOut:
    return people_batch.put_people(session, settings, key=key, body=body)


@router.get(
    "/progress",
    response_model=ProgressPage,
    summary="Module completions since a time (deprecated: follow /events instead)",
    description="Needs `reports:read`. Deprecated: its cursor is the time a quiz was scored, "
    "not the time it was committed, so a completion committed late can fall behind a cursor "
    "already handed out. Use `GET /api/v1/events` (kind `module.completed`), which is in "
    f"commit order. Answers with `Deprecation` and `Sunset: {feed.PROGRESS_SUNSET}` headers.",
    deprecated=True,
    responses={200: ok("A page of completions.")},
)
def list_progress(
    session: SessionDep,
    response: Response,
    _key: ReportsRead,
    since: Since = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProgressPage:
    response.headers.update(feed.PROGRESS_DEPRECATION)
    return progress.progress(session, since=since, cursor=cursor, limit=limit)


@router.get(
    "/events",
    response_model=feed.EventPage,
    summary="Events after a sequence number, in commit order (poll with `next_after`)",
    description="Needs `events:read`.",
    responses={200: ok("A page of events.")},
)
def events(
    session: SessionDep,
    _key: EventsRead,
    after: Annotated[
        WholeNumber,
        Query(
            description="`next_after` from the previous page; 0 (the default) from the start.",
            examples=[41],
        ),
    ] = 0,
    limit: Annotated[
        WholeNumber, Query(ge=1, le=feed.PAGE_MAX, description="Page size.", examples=[100])
    ] = 100,
) -> feed.EventPage:
    return feed.page(session, after=after, limit=limit)
