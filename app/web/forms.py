"""Forms that do not validate: each HTML form route names the page its form lives on.

A route declares its page with `@form_page(again)`; when FastAPI refuses the form (a
field missing, too long, not a date or a number, not one of the choices), main.py calls
`again(request, session, submitted)` to show that page once more with status 422: what
the person typed (never passwords or files) and one human message per field, naming the
field by its `title`. The route itself never runs, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

FORM = "form"  # the key of problems with the form as a whole (hidden fields, an unreadable body)
PASSWORD_MAX = 1024
KIND = "x-form-field"
STALE = (
    "This form was incomplete or out of date, so nothing was saved. "
    "It is shown again as it is now: please try again."
)
MESSAGES = {
    "string_too_long": "{label}: use at most {max_length} characters (this has {count}).",
    "string_too_short": "{label}: use at least {min_length} characters.",
    "too_long": "{label}: choose at most {max_length}.",
    "date_from_datetime_parsing": "{label}: enter a date as YYYY-MM-DD.",
    "date_from_datetime_inexact": "{label}: enter a date as YYYY-MM-DD.",
    "date_parsing": "{label}: enter a date as YYYY-MM-DD.",
    "date_type": "{label}: enter a date as YYYY-MM-DD.",
    "int_parsing": "{label}: enter a whole number, such as 5.",
    "int_type": "{label}: enter a whole number, such as 5.",
    "int_from_float": "{label}: enter a whole number, such as 5.",
    "greater_than_equal": "{label}: enter {ge} or more.",
    "less_than_equal": "{label}: enter {le} or less.",
    "literal_error": "{label}: choose one of {expected}.",
    "enum": "{label}: choose one of {expected}.",
    "nul_character": "{label}: remove the NUL character (an invisible control character) from it.",
    "timezone_aware": "{label}: include a time zone, for example 2026-01-31T00:00:00Z.",
    "datetime_parsing": "{label}: {WHEN}",
    "datetime_from_date_parsing": "{label}: {WHEN}",
    "datetime_type": "{label}: {WHEN}",
    "time_out_of_range": "{label}: {WHEN}",
    "json_invalid": "{label}: send valid JSON.",
    "bool_type": "{label}: send true or false (a JSON boolean, not a string or a number).",
    "extra_forbidden": "{label}: this field is not known here; leave it out.",
    "model_attributes_type": "{label}: send a JSON object.",
}
WHEN = "enter a time as ISO 8601 with a time zone, for example 2026-01-31T00:00:00Z."
MISSING = {
    "text": "{label}: fill this in.",
    "list": "{label}: choose at least one.",
    "file": "{label}: choose a file to upload.",
}
CHOOSE = "{label}: choose from the options shown."


@dataclass(frozen=True)
class Submitted:
    """A form as it was sent (passwords and files left out) and a message per field."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)


Again = Callable[[Request, Session, Submitted], Response]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_PAGES: dict[Callable[..., Any], Again] = {}


def form_page(again: Again) -> Callable[[Endpoint], Endpoint]:
    """Declare how to show the route's form page again (with status 422) for a bad submission."""

    def register(endpoint: Endpoint) -> Endpoint:
        _PAGES[endpoint] = again
        return endpoint

    return register


def Password(title: str) -> Any:
    """A password field: its value is never shown back."""
    return Form(title=title, max_length=PASSWORD_MAX, json_schema_extra={KIND: "password"})


def Hidden(**constraints: Any) -> Any:
    """A field the page fills in (hidden input, button value): a bad one means a stale page."""
    return Form(json_schema_extra={KIND: "hidden"}, **constraints)


def Choice(title: str, **constraints: Any) -> Any:
    """A select, radio buttons or checkboxes: a bad value was not one of the options shown."""
    return Form(title=title, json_schema_extra={KIND: "choice"}, **constraints)


# Any value but "yes" is "not ticked", and the page says so.
Confirm = Annotated[str, Choice("Confirm", max_length=5)]


def confirmed(value: str) -> bool:
    """Whether a destructive form's "Yes, ..." checkbox was ticked (it sends "yes").

    A POST without it changes nothing and the page says what to tick: one click (or one
    crafted request) never deactivates, removes or overwrites (outside test F21).
    """
    return value == "yes"


def field_kind(info: Any) -> str:
    extra = info.json_schema_extra
    return str(extra.get(KIND, "")) if isinstance(extra, dict) else ""


def _types(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, UnionType):
        return get_args(annotation)
    return (annotation,)


def _is_list(info: Any) -> bool:
    return any(get_origin(t) is list for t in _types(info.annotation))


def _is_file(info: Any) -> bool:
    return UploadFile in _types(info.annotation)


def label(info: Any, name: str) -> str:
    return str(info.title or name.replace("_", " ").capitalize())


def message(error: Mapping[str, Any], name: str, info: Any) -> str:
    """One sentence: the field's label, what is wrong and what to do."""
    kind, missing = field_kind(info) if info is not None else "hidden", error["type"] == "missing"
    if kind == "hidden":
        return STALE
    if missing:
        template = MISSING["file" if _is_file(info) else "list" if _is_list(info) else "text"]
    else:
        template = CHOOSE if kind == "choice" else MESSAGES.get(error["type"], "{label}: {msg}.")
    return _fill(template, error, label(info, name))


def _fill(template: str, error: Mapping[str, Any], field_label: str) -> str:
    value = error.get("input")
    count = len(value) if isinstance(value, str) else 0
    ctx = {k: v for k, v in error.get("ctx", {}).items() if k not in ("label", "msg", "count")}
    return template.format(label=field_label, msg=error["msg"], count=count, WHEN=WHEN, **ctx)


def _all_params(dependant: Any) -> list[Any]:
    found = [*dependant.path_params, *dependant.query_params, *dependant.body_params]
    for sub in dependant.dependencies:
        found += _all_params(sub)
    return found


def request_problems(route: Any, errors: Sequence[Mapping[str, Any]], *, api: bool) -> list[str]:
    """One sentence per problem: the field (its name for the API, its label on pages),
    what is wrong and what to do; for requests that have no form page to show again."""
    infos = (
        {f.alias: f.field_info for f in _all_params(route.dependant)}
        if isinstance(route, APIRoute)
        else {}
    )
    found: list[str] = []
    for error in errors:
        loc = [part for part in error["loc"] if isinstance(part, str)]
        name = loc[-1] if loc else "request"
        info = None if api else infos.get(name)
        if error["type"] == "missing":
            text = _fill(MISSING["text"], error, label(info, name) if info else name)
        elif info is not None and field_kind(info):
            text = message(error, name, info)
        else:
            template = MESSAGES.get(error["type"], "{label}: {msg}.")
            text = _fill(template, error, label(info, name) if info else name)
        if text not in found:
            found.append(text)
    return found


def field_errors(fields: Sequence[Any], errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The first problem of each field, in the form's order; hidden fields share FORM."""
    infos = {f.alias: f.field_info for f in fields}
    found: dict[str, str] = {}
    for error in errors:
        loc = error["loc"]
        name = str(loc[1]) if len(loc) > 1 and loc[0] == "body" else FORM
        info = infos.get(name)
        key = FORM if info is None or field_kind(info) == "hidden" else name
        found.setdefault(key, message(error, name, info))
    order = [*infos, FORM]
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])))


def submitted_values(fields: Sequence[Any], body: Any, errors: Mapping[str, str]) -> dict[str, Any]:
    """What was typed, as text; never passwords or files, nor hidden fields that were wrong."""
    if not isinstance(body, FormData):
        return {}
    values: dict[str, Any] = {}
    for f in fields:
        kind = field_kind(f.field_info)
        if kind == "password" or _is_file(f.field_info) or (kind == "hidden" and FORM in errors):
            continue
        items = [v for v in body.getlist(f.alias) if isinstance(v, str)]
        if _is_list(f.field_info):
            values[f.alias] = items
        elif items:
            values[f.alias] = items[0]
    return values


async def page_again(request: Request, exc: RequestValidationError) -> Response | None:
    """The form's own page with the problems (422), or None when the route declared none."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.endpoint not in _PAGES:
        return None
    fields = route.dependant.body_params
    errors = field_errors(fields, exc.errors())
    submitted = Submitted(submitted_values(fields, exc.body, errors), errors)
    return await run_in_threadpool(_render, _PAGES[route.endpoint], request, submitted)


def _render(again: Again, request: Request, submitted: Submitted) -> Response:
    # A read-only session of its own: the request's session closed when validation failed.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        response = again(request, session, submitted)
    response.status_code = 422
    return response
