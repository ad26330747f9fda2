"""The published API v1 spec: valid OpenAPI, complete, and true to the running app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as oas_checks
from sqlmodel import Session

from app.api.keys import SCOPES, create_key
from app.config import Settings
from app.main import create_app
from tests.factories import make_department, make_user

CHECKS = [
    st_checks.not_a_server_error,
    oas_checks.status_code_conformance,
    oas_checks.content_type_conformance,
    oas_checks.response_headers_conformance,
    oas_checks.response_schema_conformance,
]
MAX_EXAMPLES = 12


def test_the_spec_validates_and_declares_servers_errors_and_descriptions(
    client: TestClient,
) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)
    assert spec["servers"][0]["url"].startswith("http")
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("description"), where
            for status in ("401", "403", "422", "429"):
                answer = operation["responses"][status]
                assert list(answer["content"]) == ["application/problem+json"], where
    problem = spec["components"]["schemas"]["Problem"]
    assert "errors" in problem["properties"]
    status_enum = spec["components"]["schemas"]["AssignmentOut"]["properties"]["status"]
    assert status_enum["enum"] == ["not started", "in progress", "complete"]


def test_every_schema_and_parameter_has_an_example_that_fits_it(client: TestClient) -> None:
    """Each component schema carries a whole example, valid against it; each parameter one."""
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert len(schemas) >= 22
    for name, schema in schemas.items():
        assert schema.get("examples"), f"{name} has no example"
        checked = dict(schema, components=spec["components"])
        for example in schema["examples"]:
            errors = [e.message for e in Draft202012Validator(checked).iter_errors(example)]
            assert not errors, f"{name}'s example: {errors}"
    parameters = [
        (f"{method.upper()} {path}", parameter)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
    ]
    assert {p["name"] for _, p in parameters} >= {
        "after",
        "limit",
        "updated_since",
        "cursor",
        "since",
    }
    for where, parameter in parameters:
        found = parameter.get("examples") or parameter["schema"].get("examples")
        assert found, f"{where}: {parameter['name']} has no example"
        for example in found:
            checked = dict(parameter["schema"], components=spec["components"])
            assert Draft202012Validator(checked).is_valid(example), (where, example)


@pytest.fixture
def fuzzed(settings: Settings) -> Iterator[tuple[FastAPI, str]]:
    application = create_app(settings.model_copy(update={"api_rate_per_minute": 100_000}))
    with TestClient(application):
        with Session(application.state.engine) as session:
            sales = make_department(session, "Sales")
            person = make_user(session, "ext@example.com", name="Ext Person", department=sales)
            person.external_id = "EXT-1"
            session.add(person)
            session.commit()
            _key, secret = create_key(session, name="fuzz", scopes=list(SCOPES), actor_id=None)
        yield application, secret
    application.state.engine.dispose()


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(
    fuzzed: tuple[FastAPI, str],
) -> None:
    """Every operation, a few examples each: what the app answers is what the spec says."""
    application, secret = fuzzed
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {secret}"}
    started, operations = time.monotonic(), 0
    seen: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen.setdefault(response.status_code, 0)
            seen[response.status_code] += 1

        check()
    assert operations == 14
    assert seen.get(200, 0) + seen.get(201, 0) > operations  # keys worked: not all refused
    assert time.monotonic() - started < 120
