"""RFC 9457 problem details for every answer under /api that is not a success."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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


UNPARSED = "There was an error parsing the body"  # FastAPI's words when json.loads fails oddly
BAD_JSON = "body: send valid JSON."


def unreadable_body(exc: HTTPException) -> JSONResponse | None:
    """A body FastAPI could not parse at all (JSON nested thousands deep) answered like one
    that is not JSON ("{"): 422 with a pointer to the whole body, not a bare 400."""
    if exc.status_code != 400 or exc.detail != UNPARSED:
        return None
    return problem_response(422, "Please check your input", BAD_JSON, fields={"#": BAD_JSON})


def validation_fields(route: Any, errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Where each validation error is (a pointer or a parameter name) and what it says.

    A pointer is RFC 6901 in its URI fragment form: `#/people/1/email` is the `email` of the
    second item of `people`; `#` alone is the whole body (unreadable JSON)."""
    fields: dict[str, str] = {}
    for error in errors:
        loc = list(error["loc"])
        if error.get("type") == "json_invalid":
            where = "#"  # the whole body: its loc holds a character position, not a field
        elif loc and loc[0] == "body":
            where = "#" + "".join(f"/{_escaped(part)}" for part in loc[1:])
        else:
            where = str(loc[-1]) if len(loc) > 1 else str(loc[0] if loc else "request")
        said = request_problems(route, [error], api=True)
        fields.setdefault(where, said[0] if said else str(error.get("msg", "invalid")))
    return fields


def _escaped(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")
