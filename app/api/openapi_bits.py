"""What the published spec says about responses: every error and the headers that go with them."""

from __future__ import annotations

from typing import Any

from app.api.schemas import Problem

PROBLEM = "application/problem+json"


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


RATE_HEADERS = {
    "RateLimit": _header('Requests left in this window, e.g. `"per-key";r=598;t=41`.'),
    "RateLimit-Policy": _header('The limit, e.g. `"per-key";q=600;w=60`.'),
}
ETAG = {"ETag": _header("A strong entity tag; send it back in If-Match to write safely.")}


def problem(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "model": Problem,
    }
    if headers:
        found["headers"] = headers
    return found


COMMON: dict[int | str, dict[str, Any]] = {
    401: problem(
        "No API key, or an unknown, revoked or expired one.",
        **{"WWW-Authenticate": _header('`Bearer realm="allies-in-practice-api"`.')},
    ),
    403: problem("The key lacks the scope this needs."),
    422: problem("Invalid input: `errors` names each field (a JSON pointer or a parameter)."),
    429: problem(
        "Over the key's rate limit; wait Retry-After seconds.",
        **{"Retry-After": _header("Seconds until the window ends."), **RATE_HEADERS},
    ),
}
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: problem("No such person, module or assignment.")}
PRECONDITION: Responses = {
    412: problem("If-Match did not name the current ETag (changed since read).")
}
TOO_LARGE: Responses = {413: problem("The body is larger than 1 MB.")}
CONFLICT: Responses = {409: problem("The change conflicts with the current state (see detail).")}


def ok(description: str, *, etag: bool = False, location: bool = False) -> dict[str, Any]:
    headers: dict[str, Any] = dict(RATE_HEADERS)
    if etag:
        headers.update(ETAG)
    if location:
        headers["Location"] = _header("The URL of the created resource.")
    return {"description": description, "headers": headers}
