"""Every route of the app, as (method, path template), for table-driven security tests."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def routes_with_paths(app: FastAPI) -> list[tuple[str, Any]]:
    """(full path template, route) for every route, through FastAPI's wrapped routers."""
    found: list[tuple[str, Any]] = []

    def walk(routes: list, prefix: str = "") -> None:  # type: ignore[type-arg]
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                found.append((prefix + route.path, route))

    walk(app.routes)
    return found


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, route in routes_with_paths(app)
        for method in sorted(route.methods - {"HEAD"})
    ]


SAMPLE_PARAMS = {
    "{module_id}": "first-steps",
    "{attempt_id}": "1",
    "{code}": "ABCDEF",
    "{session_id:int}": "1",
    "{plan_id:int}": "1",
    "{answer_id:int}": "1",
    "{user_id}": "1",
    "{batch_id}": "1",
    "{rule_id}": "1",
    "{key_id}": "1",
    "{token}": "not-a-real-token",
    "{external_id}": "EXT-1",
    "{kind}": "reminder",
    "{endpoint_id}": "1",
    "{delivery_id}": "1",
    "{note_id}": "1",
    "{cycle}": "1",
    "{round}": "1",
    "{scim_id}": "1",
    "{name}": "User",
    "{schema_id}": "urn:ietf:params:scim:schemas:core:2.0:User",
}


def concrete(path: str) -> str:
    for placeholder, value in SAMPLE_PARAMS.items():
        path = path.replace(placeholder, value)
    assert "{" not in path, f"add a sample value for {path} in SAMPLE_PARAMS"
    return path
