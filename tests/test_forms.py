"""app.web.forms: one human message per field from pydantic's error types; what is shown back."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import pytest
from fastapi import File, Form, UploadFile
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from app.web.forms import FORM, STALE, Choice, Hidden, Password, field_errors, submitted_values


def endpoint(
    email: Annotated[str, Form(max_length=320, title="Work email")],
    due: Annotated[date | None, Form(title="Due date")] = None,
    count: Annotated[int, Form(ge=0, le=60)] = 0,
    kind: Annotated[Literal["a", "b"], Form()] = "a",
    modules: Annotated[list[str] | None, Choice("Modules")] = None,
    department: Annotated[int | None, Choice("For")] = None,
    file: Annotated[UploadFile | None, File(title="CSV file")] = None,
    password: Annotated[str, Password("Password")] = "",
    version: Annotated[int, Hidden()] = 0,
    next: Annotated[str, Hidden(max_length=20)] = "/",
) -> None: ...


FIELDS = APIRoute("/", endpoint, methods=["POST"]).dependant.body_params


def error(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "loc": ("body", name), "msg": "Input should be valid", **extra}


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (error("email", "missing"), "Work email: fill this in."),
        (
            error("email", "string_too_long", input="x" * 321, ctx={"max_length": 320}),
            "Work email: use at most 320 characters (this has 321).",
        ),
        (error("due", "date_from_datetime_parsing"), "Due date: enter a date as YYYY-MM-DD."),
        (error("count", "int_parsing"), "Count: enter a whole number, such as 5."),
        (error("count", "greater_than_equal", ctx={"ge": 0}), "Count: enter 0 or more."),
        (error("count", "less_than_equal", ctx={"le": 60}), "Count: enter 60 or less."),
        (
            error("kind", "literal_error", ctx={"expected": "'a' or 'b'"}),
            "Kind: choose one of 'a' or 'b'.",
        ),
        (error("modules", "missing"), "Modules: choose at least one."),
        (error("department", "int_parsing"), "For: choose from the options shown."),
        (error("file", "missing"), "CSV file: choose a file to upload."),
        (error("email", "string_pattern_mismatch"), "Work email: Input should be valid."),
        (error("version", "int_parsing"), STALE),
    ],
)
def test_each_error_type_gets_a_message_naming_the_field(
    problem: dict[str, Any], expected: str
) -> None:
    assert list(field_errors(FIELDS, [problem]).values()) == [expected]


def test_problems_follow_the_form_order_one_per_field_and_hidden_ones_share_one() -> None:
    problems = [
        error("next", "string_too_long", ctx={"max_length": 20}),
        error("due", "date_parsing"),
        error("version", "missing"),
        {"type": "int_parsing", "loc": ("body", "modules", 1), "msg": "not a number"},
        error("email", "missing"),
        error("email", "string_too_long", ctx={"max_length": 320}),
    ]
    assert list(field_errors(FIELDS, problems)) == ["email", "due", "modules", FORM]
    assert field_errors(FIELDS, problems)[FORM] == STALE


def test_values_are_shown_back_without_passwords_files_or_stale_hidden_fields() -> None:
    body = FormData(
        [
            ("email", "ana@example.com"),
            ("password", "hunter2-secret"),
            ("modules", "first"),
            ("modules", "second"),
            ("next", "/somewhere"),
        ]
    )
    values = submitted_values(FIELDS, body, {"email": "Work email: fill this in."})
    assert values == {
        "email": "ana@example.com",
        "modules": ["first", "second"],
        "next": "/somewhere",
    }
    assert "next" not in submitted_values(FIELDS, body, {FORM: STALE})
    assert submitted_values(FIELDS, None, {}) == {}
