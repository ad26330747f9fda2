"""The published API v1 spec (/api/v1/openapi.json) and the /docs page that reads it."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from app.api.assignment_routes import router as assignment_router
from app.api.keys import SCOPES
from app.api.rate import WINDOW_SECONDS
from app.api.routes import router
from app.models import Role
from app.web.request_checks import checked_router
from app.web.templating import render

docs_router = checked_router(include_in_schema=False)
API_SCHEMA_URL = "/api/v1/openapi.json"
DESCRIPTION = (
    "For HR systems. Authenticate with an API key (`allyship api-key create NAME`, or the "
    "admin's API keys page) sent as `Authorization: Bearer <key>`. Each route names the scope "
    f"it needs ({', '.join(f'`{s}`' for s in SCOPES)}; keys made with the old `read` scope "
    "have every `:read` scope, `write` has `people:write` and `assignments:write`). Times are "
    "UTC, ISO 8601. Quiz scores are percentages. Reflections and live-session votes are never "
    "available.\n\nErrors are RFC 9457 problem details (`application/problem+json`); invalid "
    "input lists each field in `errors` with a JSON `pointer` into the body or the "
    "`parameter`'s name. Reads send an `ETag`; writes honour `If-Match` (412 when the resource "
    "changed). Each key may make a number of requests per "
    f"{WINDOW_SECONDS}-second window (600 unless the server says otherwise in `RateLimit-Policy`); "
    "over it, 429 with `Retry-After`."
)


def api_spec(request: Request) -> dict[str, Any]:
    """The OpenAPI document of API v1 alone (the app's /openapi.json lists every route)."""
    spec = get_openapi(
        title="Allies in Practice API",
        version="1",
        summary="People, assignments and completions for HR systems.",
        description=DESCRIPTION,
        routes=[*router.routes, *assignment_router.routes],
        servers=[{"url": str(request.base_url).rstrip("/"), "description": "This server."}],
        tags=[{"name": "API v1", "description": "People, departments, modules, assignments."}],
    )
    for path in spec["paths"].values():
        for operation in path.values():
            for answer in operation.get("responses", {}).values():
                _problem_only(answer)
    # Role is app.models' enum, shared with the database; pydantic gives an enum no examples.
    spec["components"]["schemas"]["Role"]["examples"] = [Role.learner.value]
    return spec


def _problem_only(answer: dict[str, Any]) -> None:
    """Errors are problem+json only: drop the plain JSON twin FastAPI adds for `model`."""
    content = answer.get("content", {})
    if "application/problem+json" in content:
        content.pop("application/json", None)


@docs_router.get(API_SCHEMA_URL)
def api_schema(request: Request) -> JSONResponse:
    return JSONResponse(api_spec(request))


@docs_router.get("/docs")
def docs(request: Request) -> Response:
    return render(request, "api/docs.html", {"openapi_url": API_SCHEMA_URL})
