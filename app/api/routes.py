"""API v1 routes (API keys as Bearer tokens) and the /docs page, served without any CDN."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, params
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api import keys, service
from app.api.schemas import ModuleOut, PersonIn, PersonOut, Problem, ProgressPage
from app.db import SessionDep
from app.errors import DomainError, Forbidden
from app.events import feed
from app.models import ApiKey
from app.web.deps import CatalogDep, SettingsDep
from app.web.inputs import ApiTime, WholeNumber
from app.web.request_checks import checked_router
from app.web.templating import render

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `allyship api-key create NAME`, sent as `Authorization: Bearer <key>`.",
)
ERRORS = {
    401: {"model": Problem, "description": "No API key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The key lacks the scope this needs."},
}


class Unauthorized(DomainError):
    status_code = 401


def api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None:
        raise Unauthorized("Send an API key in the header: Authorization: Bearer <key>.")
    key = keys.authenticate(request.app.state.engine, secret=credentials.credentials)
    if key is None:
        raise Unauthorized("That API key is unknown or was revoked; ask an admin for a new one.")
    return key


def scoped(scope: str) -> params.Depends:
    def check(key: Annotated[ApiKey, Depends(api_key)]) -> ApiKey:
        if scope not in key.scopes.split():
            raise Forbidden(f"This API key lacks the “{scope}” scope.")
        return key

    dependency: params.Depends = Depends(check)  # FastAPI types Depends() as Any
    return dependency


ReadKey = Annotated[ApiKey, scoped("read")]
WriteKey = Annotated[ApiKey, scoped("write")]
router = checked_router(prefix="/api/v1", tags=["API v1"], responses=ERRORS)


@router.get("/modules", response_model=list[ModuleOut], summary="The course's modules, in order")
def list_modules(catalog: CatalogDep, _key: ReadKey) -> list[ModuleOut]:
    return service.modules(catalog)


@router.get(
    "/people/{external_id}",
    response_model=PersonOut,
    summary="One person, their assignments and progress",
    responses={404: {"model": Problem}},
)
def get_person(external_id: str, session: SessionDep, _key: ReadKey) -> PersonOut:
    return service.get_person(session, external_id=external_id)


@router.put(
    "/people/{external_id}",
    response_model=PersonOut,
    summary="Create or update a person (new people get an invitation)",
    responses={
        201: {"model": PersonOut, "description": "Created."},
        403: {
            "model": Problem,
            "description": "The key lacks the write scope, or the person is an hr or admin "
            "account whose e-mail, role or active state an API key may not change.",
        },
        409: {"model": Problem},
        422: {"model": Problem},
    },
)
def put_person(
    external_id: str,
    body: PersonIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    key: WriteKey,
) -> PersonOut:
    person, created = service.put_person(
        session, settings, key=key, external_id=external_id, body=body
    )
    if created:
        response.status_code = 201
    return person


@router.get(
    "/progress",
    response_model=ProgressPage,
    summary="Module completions since a time (deprecated: follow /events instead)",
    description="Deprecated: its cursor is the time a quiz was scored, not the time it was "
    "committed, so a completion committed late can fall behind a cursor already handed out. "
    "Use `GET /api/v1/events` (kind `module.completed`), which is in commit order. "
    f"Answers with `Deprecation` and `Sunset: {feed.PROGRESS_SUNSET}` headers.",
    deprecated=True,
    responses={422: {"model": Problem}},
)
def progress(
    response: Response,
    session: SessionDep,
    _key: ReadKey,
    since: Annotated[
        ApiTime | None, Query(description="ISO 8601 with a time zone, e.g. 2026-01-31T00:00:00Z.")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` from the previous page.")
    ] = None,
    limit: Annotated[WholeNumber, Query(ge=1, le=service.PAGE_MAX)] = 100,
) -> ProgressPage:
    response.headers.update(feed.PROGRESS_DEPRECATION)
    return service.progress(session, since=since, cursor=cursor, limit=limit)


@router.get(
    "/events",
    response_model=feed.EventPage,
    summary="Events after a sequence number, in commit order (poll with `next_after`)",
    responses={422: {"model": Problem}},
)
def events(
    session: SessionDep,
    _key: ReadKey,  # scopes: "api" renames them per resource; events:read belongs here then
    after: Annotated[
        WholeNumber,
        Query(description="`next_after` from the previous page; 0 (the default) from the start."),
    ] = 0,
    limit: Annotated[WholeNumber, Query(ge=1, le=feed.PAGE_MAX)] = 100,
) -> feed.EventPage:
    return feed.page(session, after=after, limit=limit)


docs_router = checked_router(include_in_schema=False)


API_SCHEMA_URL = "/api/v1/openapi.json"
DESCRIPTION = (
    "For HR systems. Authenticate with an API key (`allyship api-key create NAME`) sent as "
    "`Authorization: Bearer <key>`. Times are UTC, ISO 8601. Quiz scores are percentages. "
    "Reflections and live-session votes are never available."
)


@docs_router.get(API_SCHEMA_URL)
def api_schema() -> JSONResponse:
    """The OpenAPI schema of API v1 alone (the app's /openapi.json lists every route)."""
    return JSONResponse(
        get_openapi(
            title="Allies in Practice API",
            version="1",
            description=DESCRIPTION,
            routes=router.routes,
        )
    )


@docs_router.get("/docs")
def docs(request: Request) -> Response:
    return render(request, "api/docs.html", {"openapi_url": API_SCHEMA_URL})
