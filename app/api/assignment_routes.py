"""API v1 assignment routes: a person's assignments, one at a time or in bulk."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Response

from app.api import assignments
from app.api.auth import AssignmentsRead, AssignmentsWrite
from app.api.etags import etag_of
from app.api.openapi_bits import COMMON, CONFLICT, NOT_FOUND, PRECONDITION, TOO_LARGE, ok
from app.api.routes import ExternalId, IfMatch
from app.api.schemas import (
    BULK_MODULES_MAX,
    BULK_PEOPLE_MAX,
    AssignmentIn,
    AssignmentOut,
    BulkAssignIn,
    BulkAssignOut,
    BulkUnassignIn,
    BulkUnassignOut,
)
from app.db import SessionDep
from app.errors import NotFound
from app.web.deps import CatalogDep, SettingsDep
from app.web.request_checks import checked_router

router = checked_router(prefix="/api/v1", tags=["API v1"], responses=COMMON)
ModuleId = Annotated[
    str, Path(min_length=1, max_length=100, description="A module id.", examples=["first-steps"])
]
IdempotencyKey = Annotated[
    str,
    Header(
        min_length=1,
        max_length=200,
        description="Any unique string per logical request, e.g. a UUID.",
        examples=["3b1d7c9e-5f0a-4f43-9a43-2f4c1e9f0a11"],
    ),
]


@router.get(
    "/people/{external_id}/assignments",
    response_model=list[AssignmentOut],
    summary="A person's assignments with their status",
    description="Needs `assignments:read`. Removed assignments are not listed (their history "
    "is kept in the app).",
    responses={200: ok("The assignments.", etag=True), **NOT_FOUND},
)
def list_assignments(
    external_id: ExternalId, response: Response, session: SessionDep, _key: AssignmentsRead
) -> list[AssignmentOut]:
    found = assignments.list_for(session, external_id=external_id)
    response.headers["ETag"] = etag_of(list(found))
    return found


@router.get(
    "/people/{external_id}/assignments/{module_id}",
    response_model=AssignmentOut,
    summary="One assignment with its status",
    description="Needs `assignments:read`.",
    responses={200: ok("The assignment.", etag=True), **NOT_FOUND},
)
def get_assignment(
    external_id: ExternalId,
    module_id: ModuleId,
    response: Response,
    session: SessionDep,
    _key: AssignmentsRead,
) -> AssignmentOut:
    found = assignments.one(session, external_id=external_id, module_id=module_id)
    if found is None:
        raise NotFound(f"“{external_id.strip()}” has no assignment of the module “{module_id}”.")
    response.headers["ETag"] = etag_of(found)
    return found


@router.put(
    "/people/{external_id}/assignments/{module_id}",
    response_model=AssignmentOut,
    summary="Assign a module to a person, or move its due date",
    description="Needs `assignments:write`. 201 when newly assigned (a person who finished "
    "the whole course starts a new recertification cycle), 200 when it was assigned already "
    "(a `due_at` moves the due date). Deactivated people cannot be assigned (409).",
    responses={
        200: ok("Assigned already; due date moved if `due_at` was sent.", etag=True),
        201: {**ok("Assigned.", etag=True, location=True), "model": AssignmentOut},
        **NOT_FOUND,
        **CONFLICT,
        **PRECONDITION,
        **TOO_LARGE,
    },
)
def put_assignment(
    external_id: ExternalId,
    module_id: ModuleId,
    body: AssignmentIn,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    key: AssignmentsWrite,
    if_match: IfMatch = None,
) -> AssignmentOut:
    found, created = assignments.put_one(
        session,
        catalog,
        settings,
        key=key,
        external_id=external_id,
        module_id=module_id,
        body=body,
        if_match=if_match,
    )
    if created:
        response.status_code = 201
        response.headers["Location"] = (
            f"/api/v1/people/{external_id.strip()}/assignments/{module_id}"
        )
    response.headers["ETag"] = etag_of(found)
    return found


@router.delete(
    "/people/{external_id}/assignments/{module_id}",
    status_code=204,
    summary="Unassign a module (history is kept)",
    description="Needs `assignments:write`. The assignment is recorded as removed, with the "
    "key and the time; lesson reads, attempts, completions and certificates stay.",
    responses={204: ok("Unassigned."), **NOT_FOUND, **PRECONDITION},
)
def delete_assignment(
    external_id: ExternalId,
    module_id: ModuleId,
    response: Response,
    session: SessionDep,
    key: AssignmentsWrite,
    if_match: IfMatch = None,
) -> Response:
    assignments.remove_one(
        session, key=key, external_id=external_id, module_id=module_id, if_match=if_match
    )
    rate = {k: v for k, v in response.headers.items() if k.lower().startswith("ratelimit")}
    return Response(status_code=204, headers=rate)


@router.post(
    "/assignments/bulk",
    response_model=BulkAssignOut,
    summary="Assign modules to many people in one request",
    description=f"Needs `assignments:write`. Up to {BULK_PEOPLE_MAX} external ids and "
    f"{BULK_MODULES_MAX} modules per request (and 1 MB). All or nothing: one unknown or "
    "deactivated person refuses the whole request, each named by a pointer. Send an "
    "`Idempotency-Key` header: the same key and body within a day get the first answer again "
    "(nothing is assigned twice); the same key with another body gets 422.",
    responses={200: ok("Assigned."), **TOO_LARGE},
)
def bulk_assign(
    body: BulkAssignIn,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    key: AssignmentsWrite,
    idempotency_key: IdempotencyKey,
) -> Response:
    answer = assignments.bulk(
        session, catalog, settings, key=key, body=body, idempotency_key=idempotency_key
    )
    return _bulk_response(answer, response)


@router.post(
    "/assignments/bulk-remove",
    response_model=BulkUnassignOut,
    summary="Unassign modules from many people in one request (history is kept)",
    description=f"Needs `assignments:write`. Up to {BULK_PEOPLE_MAX} external ids and "
    f"{BULK_MODULES_MAX} modules per request (and 1 MB). All or nothing: one unknown person "
    "or module refuses the whole request, each named by a pointer; deactivated people can be "
    "named. A module a person does not have is skipped and listed in their `not_assigned`. "
    "Each removal is kept in the history and audited like `DELETE` of one assignment. Send an "
    "`Idempotency-Key` header: the same key and body within a day get the first answer again "
    "(nothing is removed twice); the same key with another body gets 422.",
    responses={200: ok("Unassigned; what was skipped is listed per person."), **TOO_LARGE},
)
def bulk_unassign(
    body: BulkUnassignIn,
    response: Response,
    session: SessionDep,
    catalog: CatalogDep,
    key: AssignmentsWrite,
    idempotency_key: IdempotencyKey,
) -> Response:
    answer = assignments.bulk_remove(
        session, catalog, key=key, body=body, idempotency_key=idempotency_key
    )
    return _bulk_response(answer, response)


def _bulk_response(answer: tuple[int, str, bool], response: Response) -> Response:
    """The stored or fresh JSON answer, with the rate limit headers and, on a replay,
    `Idempotent-Replayed: true`."""
    status, text, replayed = answer
    headers = {k: v for k, v in response.headers.items() if k.lower().startswith("ratelimit")}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(text, status_code=status, media_type="application/json", headers=headers)
