"""API keys on requests: the Bearer key, its expiry, its scopes and its rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, params
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api import keys, rate
from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.models import ApiKey, row_id

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `allyship api-key create NAME` or the admin's API keys page, "
    "sent as `Authorization: Bearer <key>`.",
)
REALM = 'Bearer realm="allies-in-practice-api"'


def api_key(
    request: Request,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    """The live key the request presents, counted against its rate limit."""
    if credentials is None:
        raise Unauthorized(
            "Send an API key in the header: Authorization: Bearer <key>.",
            headers={"WWW-Authenticate": REALM},
        )
    engine = request.app.state.engine
    key = keys.authenticate(engine, secret=credentials.credentials)
    if key is None:
        raise Unauthorized(
            keys.why_refused(engine, secret=credentials.credentials),
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    limit = request.app.state.settings.api_rate_per_minute
    state = rate.count_request(engine, key_id=row_id(key), limit=limit)
    if state.exceeded:
        raise TooManyRequests(
            f"This API key made more than {limit} requests this minute; "
            f"try again in {state.reset} seconds.",
            headers={**state.headers(), "Retry-After": str(state.reset)},
        )
    response.headers.update(state.headers())
    return key


def scoped(scope: str) -> params.Depends:
    """A dependency that lets through keys holding `scope` (old read/write keys: see keys.py)."""

    def check(key: Annotated[ApiKey, Depends(api_key)]) -> ApiKey:
        if scope not in keys.effective_scopes(key.scopes):
            raise Forbidden(
                f"This API key lacks the “{scope}” scope; an admin can make one with it."
            )
        return key

    dependency: params.Depends = Depends(check)  # FastAPI types Depends() as Any
    return dependency


def api_v1_key(key: Annotated[ApiKey, Depends(api_key)]) -> ApiKey:
    """Any key for the HR API, but not one made for SCIM provisioning only."""
    if keys.effective_scopes(key.scopes) <= {"scim"}:
        raise Forbidden(
            "This API key is for SCIM provisioning (/scim/v2) only; "
            "an admin can make a key with the API's scopes."
        )
    return key


AnyKey = Annotated[ApiKey, Depends(api_v1_key)]
PeopleRead = Annotated[ApiKey, scoped("people:read")]
PeopleWrite = Annotated[ApiKey, scoped("people:write")]
AssignmentsRead = Annotated[ApiKey, scoped("assignments:read")]
AssignmentsWrite = Annotated[ApiKey, scoped("assignments:write")]
ReportsRead = Annotated[ApiKey, scoped("reports:read")]
EventsRead = Annotated[ApiKey, scoped("events:read")]
