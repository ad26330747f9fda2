"""RFC 9457 problem details for every answer under /api that is not a success."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse

from app.web.forms import request_problems

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem document; each invalid field is one entry of `errors`, named by a JSON
    pointer into the body (`#/email`) or, for query, path and header values, by `parameter`."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if fields:
        body["errors"] = [
            {"detail": text, "pointer": where}
            if where.startswith("#")
            else {"detail": text, "parameter": where}
            for where, text in fields.items()
        ]
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


def validation_fields(route: Any, errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Where each validation error is (a pointer or a parameter name) and what it says."""
    fields: dict[str, str] = {}
    for error in errors:
        loc = list(error["loc"])
        if loc and loc[0] == "body":
            where = "#" + "".join(f"/{_escaped(part)}" for part in loc[1:])
        else:
            where = str(loc[-1]) if len(loc) > 1 else str(loc[0] if loc else "request")
        said = request_problems(route, [error], api=True)
        fields.setdefault(where, said[0] if said else str(error.get("msg", "invalid")))
    return fields


def _escaped(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")
