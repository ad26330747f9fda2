"""The checks every route runs first: who is signed in, then CSRF, then NUL characters.

They run in the route class, before FastAPI solves the route's own dependencies: as an
app-wide dependency they cost FastAPI's per-dependency overhead on every request, about a
twentieth of a signed-in page (bench/NOTES.md). The sign-in is looked up first so that a
refused form shown again (app/web/forms.py) knows whose page it is; the user dependencies in
app/auth/deps.py read what it found. The lookups are the features' own, so the web kit
reaches them through `app.state.request_reads` (app/web/request_reads.py), which
`create_app` sets (the kit imports no feature).
Every router is made with `checked_router`, and `create_app` refuses to start if any route
is not a `CheckedRoute`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.web.csrf import csrf_protect
from app.web.inputs import refuse_nul_characters
from app.web.request_reads import run_request_reads


async def request_checks(request: Request) -> None:
    # Who is signed in (app/auth), then the organisation's settings (app/org): one read.
    await run_request_reads(request, request.app.state.request_reads)
    await csrf_protect(request)
    await refuse_nul_characters(request)


class CheckedRoute(APIRoute):
    """A route whose requests pass `request_checks` before anything else of the route runs.

    An exception from the checks (login required, CSRF refused, a NUL) goes to the app's
    exception handlers like one from the route itself.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            try:
                await request_checks(request)
            except Exception:
                await request.close()  # the temporary files of a refused upload
                raise
            return await handler(request)

        return checked


def checked_router(**options: Any) -> APIRouter:
    return APIRouter(route_class=CheckedRoute, **options)


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, including those of included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None) or getattr(route, "router", None)
        if included is not None and included is not route:
            yield from api_routes(getattr(included, "routes", ()))


def require_checked(routes: Iterable[BaseRoute]) -> int:
    """Refuse to start with a route that would skip the checks; returns how many were seen."""
    unchecked = [r.path for r in api_routes(routes) if not isinstance(r, CheckedRoute)]
    if unchecked:
        raise RuntimeError(f"Routes without the request checks (use checked_router): {unchecked}")
    return sum(1 for _ in api_routes(routes))
