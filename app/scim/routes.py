"""SCIM 2.0 routes at /scim/v2 (RFC 7644), for Okta, Entra ID and other identity providers.

Authenticated with an API key that has the `scim` scope. Bodies are read as JSON whatever
the content type says (identity providers send application/scim+json or application/json);
every answer is application/scim+json, and every error a SCIM Error message.

scim2_models and the modules built on it (about 1 s of CPU to import: pydantic reads every
model's attribute docstrings from its source) are imported inside the routes, so a worker
loads them on its first SCIM request rather than at start-up; only the routes' signatures
are here at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.routes import scoped
from app.db import SessionDep
from app.models import ApiKey
from app.scim.errors import SCIM_JSON, ScimError
from app.web.deps import SettingsDep
from app.web.inputs import INT_MAX
from app.web.request_checks import checked_router

if TYPE_CHECKING:
    from scim2_models import SearchRequest
    from sqlmodel import Session

ScimKey = Annotated[ApiKey, scoped("scim")]


async def scim_body(request: Request, _key: ScimKey) -> Any:
    """The JSON body, read only after the key is accepted (so strangers learn nothing)."""
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScimError(400, "The body is not JSON; send a SCIM message.", "invalidSyntax") from exc


JsonBody = Annotated[Any, Depends(scim_body)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=500)]
Filter = Annotated[str | None, Query(alias="filter", max_length=2000)]
Attributes = Annotated[str | None, Query(max_length=1000)]
# RFC 7644 §3.4.2.4: below 1 means 1 (startIndex), negative means 0 (count); bounded to fit.
Index = Annotated[int | None, Query(ge=-INT_MAX, le=INT_MAX)]
router = checked_router(prefix="/scim/v2", tags=["SCIM 2.0"], include_in_schema=False)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def scim(
    body: Any, status: int = 200, etag: str | None = None, location: str | None = None
) -> JSONResponse:
    headers = {k: v for k, v in (("ETag", etag), ("Location", location)) if v}
    return JSONResponse(body, status_code=status, media_type=SCIM_JSON, headers=headers)


def _params(attributes: str | None, excluded: str | None) -> SearchRequest[Any] | None:
    from scim2_models import SearchRequest

    if not attributes and not excluded:
        return None
    try:
        return SearchRequest.model_validate(
            {"attributes": attributes, "excludedAttributes": excluded}
        )
    except ValueError as exc:
        raise ScimError(400, f"attributes: {str(exc)[:200]}", "invalidValue") from exc


def _page(start: int | None, count: int | None) -> tuple[int, int]:
    """RFC 7644 §3.4.2.4: startIndex below 1 means 1; count is capped, negative means 0."""
    from app.scim import discovery

    return max(start or 1, 1), min(
        max(count if count is not None else 100, 0), discovery.MAX_RESULTS
    )


@router.get("/ServiceProviderConfig")
def service_provider_config(_key: ScimKey) -> JSONResponse:
    from scim2_models import Context

    from app.scim import discovery

    config = discovery.service_provider_config()
    return scim(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ResourceTypes")
def resource_types(request: Request, _key: ScimKey) -> JSONResponse:
    from app.scim import discovery

    found = [
        discovery.with_location(t, base_url(request), "ResourceType")
        for t in discovery.resource_types()
    ]
    return scim(_list(found))


@router.get("/ResourceTypes/{name}")
def resource_type(name: str, request: Request, _key: ScimKey) -> JSONResponse:
    from app.scim import discovery

    for t in discovery.resource_types():
        if t.id == name:
            return scim(discovery.with_location(t, base_url(request), "ResourceType"))
    raise ScimError(404, f"No resource type is called “{name[:100]}”; there are User and Group.")


@router.get("/Schemas")
def schemas(request: Request, _key: ScimKey) -> JSONResponse:
    from app.scim import discovery

    return scim(
        _list(
            [discovery.with_location(s, base_url(request), "Schema") for s in discovery.schemas()]
        )
    )


@router.get("/Schemas/{schema_id}")
def schema(schema_id: str, request: Request, _key: ScimKey) -> JSONResponse:
    from app.scim import discovery

    for s in discovery.schemas():
        if s.id == schema_id:
            return scim(discovery.with_location(s, base_url(request), "Schema"))
    raise ScimError(404, f"No schema has the id “{schema_id[:200]}”.")


def _list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": items,
    }


def _answer(found: Any, status: int = 200, params: Any = None) -> JSONResponse:
    """One resource as SCIM JSON, with its ETag (and Location when just created)."""
    from scim2_models import Context

    meta = found.meta
    return scim(
        found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params),
        status,
        etag=meta.version if meta else None,
        location=meta.location if meta and status == 201 else None,
    )


def _search_request(body: Any) -> SearchRequest[Any]:
    from scim2_models import Context, SearchRequest

    try:
        return SearchRequest.model_validate(body, scim_ctx=Context.SEARCH_REQUEST)
    except ValueError as exc:
        raise ScimError(
            400, f"The body is not a SCIM SearchRequest: {str(exc)[:200]}", "invalidSyntax"
        ) from exc


def _search(kind: str) -> Callable[..., Any]:
    from app.scim import departments, people

    return people.search if kind == "Users" else departments.search


def _read(kind: str, session: Session, scim_id: str, base: str) -> Any:
    from app.scim import departments, people

    if kind == "Users":
        return people.resource(session, people.find(session, scim_id), base)
    return departments.resource(session, departments.find(session, scim_id), base)


def _reading_routes(kind: str) -> None:
    """GET /{kind}, POST /{kind}/.search and GET /{kind}/{id}: the same for Users and Groups."""

    @router.get(f"/{kind}", name=f"list_{kind}")
    def listing(
        request: Request,
        session: SessionDep,
        _key: ScimKey,
        filter: Filter = None,
        startIndex: Index = None,  # SCIM's parameter names
        count: Index = None,
        attributes: Attributes = None,
        excludedAttributes: Attributes = None,
    ) -> JSONResponse:
        from scim2_models import Context

        start, size = _page(startIndex, count)
        found = _search(kind)(
            session, filter=filter, start=start, count=size, base=base_url(request)
        )
        params = _params(attributes, excludedAttributes)
        return scim(found.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=params))

    @router.post(f"/{kind}/.search", name=f"search_{kind}")
    def searching(
        request: Request, body: JsonBody, session: SessionDep, _key: ScimKey
    ) -> JSONResponse:
        from scim2_models import Context

        asked = _search_request(body)
        start, size = _page(asked.start_index, asked.count)
        found = _search(kind)(
            session, filter=asked.filter, start=start, count=size, base=base_url(request)
        )
        return scim(found.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=asked))

    @router.get(f"/{kind}/{{scim_id}}", name=f"get_{kind}")
    def reading(
        scim_id: str,
        request: Request,
        session: SessionDep,
        _key: ScimKey,
        attributes: Attributes = None,
        excludedAttributes: Attributes = None,
    ) -> JSONResponse:
        found = _read(kind, session, scim_id, base_url(request))
        return _answer(found, params=_params(attributes, excludedAttributes))


_reading_routes("Users")
_reading_routes("Groups")


@router.post("/.search")
def search_everything(_key: ScimKey) -> JSONResponse:
    raise ScimError(
        501, "Search one resource type at a time: POST /Users/.search or /Groups/.search."
    )


@router.post("/Users")
def create_user(
    request: Request, body: JsonBody, session: SessionDep, settings: SettingsDep, key: ScimKey
) -> JSONResponse:
    from app.scim import people, provisioning

    base = base_url(request)
    person = provisioning.create(session, settings, key=key, body=body, base=base)
    return _answer(people.resource(session, person, base), 201)


def _update_user(partial: bool) -> Callable[..., JSONResponse]:
    def update(
        scim_id: str,
        request: Request,
        body: JsonBody,
        session: SessionDep,
        settings: SettingsDep,
        key: ScimKey,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        from app.scim import people, provisioning

        base = base_url(request)
        person = provisioning.update(
            session,
            settings,
            key=key,
            scim_id=scim_id,
            body=body,
            if_match=if_match,
            base=base,
            partial=partial,
        )
        return _answer(people.resource(session, person, base))

    return update


router.put("/Users/{scim_id}", name="replace_user")(_update_user(partial=False))
router.patch("/Users/{scim_id}", name="patch_user")(_update_user(partial=True))


@router.delete("/Users/{scim_id}", status_code=204)
def delete_user(
    scim_id: str, session: SessionDep, settings: SettingsDep, key: ScimKey, if_match: IfMatch = None
) -> Response:
    from app.scim import provisioning

    provisioning.deactivate(session, settings, key=key, scim_id=scim_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/Groups")
def create_group(
    request: Request, body: JsonBody, session: SessionDep, key: ScimKey
) -> JSONResponse:
    from app.scim import departments

    found = departments.create(session, key=key, body=body)
    return _answer(departments.resource(session, found, base_url(request)), 201)


@router.put("/Groups/{scim_id}")
def replace_group(
    scim_id: str, request: Request, body: JsonBody, session: SessionDep, key: ScimKey
) -> JSONResponse:
    from app.scim import departments

    found = departments.replace(session, key=key, scim_id=scim_id, body=body)
    return _answer(departments.resource(session, found, base_url(request)))


@router.patch("/Groups/{scim_id}")
def patch_group(
    scim_id: str, request: Request, body: JsonBody, session: SessionDep, key: ScimKey
) -> JSONResponse:
    from app.scim import departments

    base = base_url(request)
    found = departments.patch(session, key=key, scim_id=scim_id, body=body, base=base)
    return _answer(departments.resource(session, found, base))


@router.delete("/Groups/{scim_id}", status_code=204)
def delete_group(scim_id: str, session: SessionDep, key: ScimKey) -> Response:
    from app.scim import departments

    departments.delete(session, key=key, scim_id=scim_id)
    return Response(status_code=204)
