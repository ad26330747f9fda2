"""Every route, every parameter, odd values: never a server error, and a refusal names the field.

Each request gives one parameter one odd value (2^63, -1, "²", "٣", a NUL, 10,000
characters) while the others keep valid values, signed in as each role that may use the
route (with its CSRF token), or with an API key for the API. The routes and parameters
come from walking the app (tests/security/fuzz_world.py), so a new route is fuzzed as
soon as it exists. Runs on SQLite and on PostgreSQL, whose integers are 32-bit.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlmodel import Session

from app.api.keys import create_key
from app.web.forms import STALE
from tests.conftest import csrf_from
from tests.security.fuzz_world import (
    EXTRA_JSON,
    LATE_NUL_CSV,
    MORE_ODD_VALUES,
    MULTIPART_NUL,
    ODD_VALUES,
    WHO,
    Param,
    World,
    build_world,
    may_use,
    route_params,
)
from tests.security.routes import routes_with_paths
from tests.security.test_malformed_forms import rows
from tests.security.test_permissions import client_as

SESSION_COOKIE = "allyship_session"
INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id and counter column


def requests_for(world: World, method: str, path: str, route: Any) -> list[tuple[str, Param, Any]]:
    """(what, param, request keyword arguments) for each odd value of each parameter."""
    params = route_params(method, path, route)
    cases = []
    for odd in params:
        if odd.where == "header":  # sent valid only (an HTTP client refuses odd header bytes)
            continue
        values: dict[str, Any] = dict(ODD_VALUES)
        values |= {f"“{v}”": v for v in MORE_ODD_VALUES.get(odd.name, [])}
        if odd.where == "file":
            values["a NUL after 64 KiB"] = LATE_NUL_CSV
        if odd.where == "form":
            values[MULTIPART_NUL] = MULTIPART_NUL
        for what, value in values.items():
            cases.append((what, odd, _request(world, method, path, params, odd, value)))
    return cases


def _request(
    world: World, method: str, path: str, params: list[Param], odd: Param, value: Any
) -> dict[str, Any]:
    url, query, form, files = path, {}, {}, {}
    body: dict[str, Any] = dict(EXTRA_JSON.get((method, path), {}))
    headers = dict(world.headers)
    multipart = value == MULTIPART_NUL
    for p in params:
        v = ("a\x00b" if multipart else value) if p is odd else world.valid(method, path, p)
        if v is None:
            continue
        if p.where == "path":
            url = url.replace(f"{{{p.name}}}", quote(v, safe="")).replace(
                f"{{{p.name}:int}}", quote(v, safe="")
            )
        elif p.where == "query":
            query[p.name] = v
        elif p.where == "header":
            headers[p.name] = v
        elif p.where == "file":
            content = v if isinstance(v, bytes) else v.encode()
            files[p.name] = ("people.csv", content, "text/csv")
        elif p.where == "json":
            body[p.name] = v
        else:
            form[p.name] = v
    kwargs: dict[str, Any] = {"url": url, "params": query, "headers": headers}
    if method != "GET" and not world.headers:
        form["csrf_token"] = world.csrf()
    parts: list[tuple[str, Any]] = list(files.items())
    if multipart:  # each field a part without a file name: a plain field, multipart-encoded
        parts += [
            (k, (None, x)) for k, v in form.items() for x in (v if isinstance(v, list) else [v])
        ]
        form = {}
    if parts:
        kwargs["files"] = parts
    if form:
        kwargs["data"] = form
    if body or any(p.where == "json" for p in params):
        kwargs["json"] = body
    return kwargs


def unclear(response: Any, param: Param, api: bool) -> str | None:
    """Why the answer is not acceptable, or None: no 5xx; a refusal names the field."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if status < 400 or status in (401, 403, 404, 405, 409, 412, 413, 429):
        return None
    kind = response.headers.get("content-type", "")
    if api:
        if not kind.startswith(("application/problem+json", "application/scim+json")):
            return f"{status} as {kind}, not problem JSON"
        detail = str(response.json().get("detail", ""))
        return None if param.name in detail else f"{status} without naming {param.name}: {detail}"
    if not kind.startswith("text/html"):
        return f"{status} as {kind}, not a page"
    text = html.unescape(response.text).lower()
    names = (param.name.lower(), param.label.lower(), param.name.replace("_", " ").lower())
    if any(n in text for n in names) or STALE.lower() in text:
        return None
    return f"{status} without naming {param.name}"


@pytest.mark.parametrize("who", WHO, ids=[str(w) for w in WHO])
def test_odd_values_in_every_parameter_never_give_a_server_error(
    app: FastAPI, session: Session, who: str | None
) -> None:
    world = build_world(app, session, who)
    client, problems, sent = world.client, [], 0
    signed_in = client.cookies.get(SESSION_COOKIE)
    for path, route in routes_with_paths(app):
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            if not may_use(who, method, path):  # every route is in PERMISSIONS
                continue
            for what, param, kwargs in requests_for(world, method, path, route):
                response = client.request(method, **kwargs)
                sent += 1
                if client.cookies.get(SESSION_COOKIE) != signed_in:  # a fuzzed sign-in worked
                    client.cookies.delete(SESSION_COOKIE)
                if why := unclear(response, param, path.startswith(("/api/", "/scim/"))):
                    problems.append(f"{method} {path} {param.where} {param.name}={what}: {why}")
    assert sent >= 50  # the walk found the routes
    assert not problems, f"{len(problems)} of {sent} requests:\n" + "\n".join(problems)


def test_every_whole_number_parameter_fits_the_database(app: FastAPI) -> None:
    """2^31 and more would overflow PostgreSQL's integer columns: each int has a maximum."""
    unbounded = [
        f"{path} {f.alias}"
        for path, route in routes_with_paths(app)
        if hasattr(route, "dependant")
        for f in _all_fields(route.dependant)
        if any(m is None or m > INT_MAX for m in _int_maxima(_schema(f)))
    ]
    assert not unbounded, "use app.web.inputs.WholeNumber for these"


def _all_fields(dependant: Any) -> list[Any]:
    fields = [*dependant.path_params, *dependant.query_params, *dependant.body_params]
    for sub in dependant.dependencies:
        fields += _all_fields(sub)
    return fields


def _schema(f: Any) -> Any:
    info = f.field_info
    annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(annotation).json_schema()


def _int_maxima(schema: Any) -> list[int | None]:
    """The maximum of each integer in a JSON schema (None for one without)."""
    if isinstance(schema, list):
        return [m for item in schema for m in _int_maxima(item)]
    if not isinstance(schema, dict):
        return []
    own = [schema.get("maximum")] if schema.get("type") == "integer" else []
    return own + [m for value in schema.values() for m in _int_maxima(value)]


def test_a_people_file_with_a_nul_after_64_kib_is_refused_at_its_line(
    app: FastAPI, session: Session
) -> None:
    client = client_as(app, session, "hr")
    token = csrf_from(client.get("/hr/import").text)
    before = rows(session)
    response = client.post(
        "/hr/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", LATE_NUL_CSV, "text/csv")},
    )
    assert response.status_code == 422
    assert "people.csv, line 2502: contains a NUL character" in html.unescape(response.text)
    assert rows(session) == before


def test_a_nul_in_a_multipart_form_field_is_refused_and_nothing_is_stored(
    app: FastAPI, session: Session
) -> None:
    client = client_as(app, session, "learner")
    token = csrf_from(client.get("/account").text)
    before = rows(session)
    response = client.post(
        "/modules/first-steps/reflection",
        files=[("csrf_token", (None, token)), ("text", (None, "before\x00after"))],
    )
    assert response.status_code == 422
    assert "Your private reflection: remove the NUL character" in html.unescape(response.text)
    assert rows(session) == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-01-31T00:00:00"}, "since: include a time zone"),
        ({"since": "9999-12-31T23:59:59-14:00"}, "since: enter a time as ISO 8601"),
        ({"page": "1", "limit": str(2**31)}, "limit: enter 1000 or less"),
        ({"cursor": MORE_ODD_VALUES["cursor"][0]}, "cursor: not a cursor from a previous page"),
    ],
)
def test_the_api_names_the_parameter_and_what_to_send(
    app: FastAPI, session: Session, query: dict[str, str], message: str
) -> None:
    _key, secret = create_key(session, name="reader", scopes=["read"], actor_id=None)
    client = TestClient(app)
    response = client.get(
        "/api/v1/progress", params=query, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(message)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"/hr/people?page={2**31}", "Page: enter 2147483647 or less."),
        ("/hr/people?page=²", "Page: enter a whole number, such as 5."),
        ("/hr/people?department=²", "Department must be a department id from the list"),
        (f"/hr/scenarios?department={2**31}", "Department must be a department id from the list"),
    ],
)
def test_a_page_names_the_parameter_and_what_to_enter(
    app: FastAPI, session: Session, url: str, message: str
) -> None:
    response = client_as(app, session, "hr").get(url)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("text/html")
    assert message in html.unescape(response.text)
