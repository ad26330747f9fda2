"""Text input hygiene: a NUL character is refused wherever text comes in, with a 422.

No text a person types contains NUL, PostgreSQL cannot store it in a text column (the
driver raises, which would be a 500), and SQLite would store a string that other tools
cut short. The app-wide dependency covers the address, the query and posted forms; JSON
bodies use `NulFreeStr` in their models.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character, which text here cannot hold; remove it and try again"
FORM_TYPE = "application/x-www-form-urlencoded"


def nul_free(value: str) -> str:
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    return value


NulFreeStr = Annotated[str, AfterValidator(nul_free)]


def _error(loc: tuple[str, ...], value: str) -> dict[str, Any]:
    return {"type": "nul_character", "loc": loc, "msg": f"Value {NUL_MESSAGE}.", "input": value}


async def refuse_nul_characters(request: Request) -> None:
    """422 when the path, the query or a posted form holds a NUL (app/request_checks.py)."""
    errors = []
    if NUL in request.scope["path"]:
        errors.append(_error(("path",), request.scope["path"]))
    if b"%00" in request.scope["query_string"]:
        errors.extend(
            _error(("query", key), value)
            for key, value in request.query_params.multi_items()
            if NUL in key or NUL in value
        )
    if request.method == "POST" and request.headers.get("content-type", "").startswith(FORM_TYPE):
        form = await request.form()
        errors.extend(
            _error(("body", key), value)
            for key, value in form.multi_items()
            if isinstance(value, str) and (NUL in key or NUL in value)
        )
    if errors:
        raise RequestValidationError(errors)
