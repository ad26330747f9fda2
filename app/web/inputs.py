"""Input hygiene: NUL characters, whole numbers and times that the database can hold.

No text a person types contains NUL, PostgreSQL cannot store it in a text column (the
driver raises, which would be a 500), and SQLite would store a string that other tools
cut short. The request check covers the address, the query and posted forms (urlencoded
and multipart); JSON bodies use `NulFreeStr` in their models.

Every integer column is PostgreSQL's `integer` (SQLite's stops at 2^63), so a number
from outside is a `WholeNumber` (or goes through `whole_number`): 2^31 is refused as a
validation error instead of overflowing in the driver. `ApiTime` insists on a time zone
and on a time that exists once converted to UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character, which text here cannot hold; remove it and try again"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
INT_MAX = 2**31 - 1  # PostgreSQL's integer
WholeNumber = Annotated[int, Ge(0), Le(INT_MAX)]
DIGITS = re.compile(r"[0-9]{1,10}")
TIME_RANGE = "time_out_of_range"


def whole_number(text: str) -> int | None:
    """The number written in ASCII digits, if it fits an integer column; None otherwise.

    `str.isdigit` is no guard: it accepts "²", which `int` refuses, and "٣", which `int`
    reads as 3.
    """
    if DIGITS.fullmatch(text) is None or int(text) > INT_MAX:
        return None
    return int(text)


def in_utc(value: datetime) -> datetime:
    """The time in UTC; refused when converting it leaves the calendar (year 1 to 9999)."""
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise PydanticCustomError(
            TIME_RANGE, "the time is out of range once converted to UTC; use a year 1 to 9999"
        ) from exc


ApiTime = Annotated[AwareDatetime, AfterValidator(in_utc)]


def nul_free(value: str) -> str:
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    return value


NulFreeStr = Annotated[str, AfterValidator(nul_free)]

# Line breaks, tabs and other control characters, and the Unicode line separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_MESSAGE = "contains a line break or control character; write it on one line"
EMAIL_SHAPE = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"']+$")


def one_line_problem(value: str) -> str | None:
    """Why a name or department name is refused, or None.

    Names go into e-mails HR sends in the organisation's name: a line break in one could
    write lines of its own (a fake notice) into the message body.
    """
    if NUL in value:
        return NUL_MESSAGE
    return CONTROL_MESSAGE if CONTROL.search(value) else None


def one_line(value: str) -> str:
    if (problem := one_line_problem(value)) is not None:
        raise ValueError(problem)
    return value


OneLineStr = Annotated[str, AfterValidator(one_line)]


def email_problem(email: str) -> str | None:
    """Why a work address is refused, or None (the caller has lower-cased it).

    ASCII only and no empty parts, so a look-alike (a full-width letter, "hr@example.com.")
    cannot become a second account whose mail reaches someone else's mailbox.
    """
    if not EMAIL_SHAPE.match(email):
        return f"“{email}” is not a valid email address"
    if not email.isascii():
        return f"“{email}” has characters outside ASCII; write the address in plain ASCII"
    local, domain = email.rsplit("@", 1)
    if ".." in email or local.startswith(".") or local.endswith(".") or domain.endswith("."):
        return f"“{email}” has an empty part between dots; remove the extra dot"
    return None


def _error(loc: tuple[str, ...], value: str) -> dict[str, Any]:
    return {"type": "nul_character", "loc": loc, "msg": f"Value {NUL_MESSAGE}.", "input": value}


async def refuse_nul_characters(request: Request) -> None:
    """422 when the path, the query or a posted form holds a NUL (app/web/request_checks.py).

    Uploaded files are left to their readers (app/hr/csvfile.py names the line).
    """
    errors = []
    if NUL in request.scope["path"]:
        params = request.scope.get("path_params", {})
        named = [_error(("path", k), v) for k, v in params.items() if NUL in str(v)]
        errors.extend(named or [_error(("path",), request.scope["path"])])
    if b"%00" in request.scope["query_string"]:
        errors.extend(
            _error(("query", key), value)
            for key, value in request.query_params.multi_items()
            if NUL in key or NUL in value
        )
    form_post = request.method == "POST" and not request.scope["path"].startswith("/api/")
    # (the API takes no forms: reading one would consume the body its route must parse)
    if form_post and request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()
        errors.extend(
            _error(("body", key), value)
            for key, value in form.multi_items()
            if isinstance(value, str) and (NUL in key or NUL in value)
        )
    if errors:
        raise RequestValidationError(errors)
