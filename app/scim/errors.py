"""SCIM errors: a domain error with a `scimType`, sent as a SCIM Error message (RFC 7644 §3.12)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.errors import DomainError

SCIM_JSON = "application/scim+json"
PREFIX = "/scim/"


class ScimError(DomainError):
    """A refused SCIM request; `scim_type` is one of RFC 7644's keywords, or None."""

    def __init__(self, status: int, message: str, scim_type: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.scim_type = scim_type


def invalid_value(message: str) -> ScimError:
    return ScimError(400, message, "invalidValue")


def uniqueness(message: str) -> ScimError:
    return ScimError(409, message, "uniqueness")


def mutability(message: str) -> ScimError:
    return ScimError(400, message, "mutability")


def not_found(kind: str, scim_id: str) -> ScimError:
    return ScimError(404, f"No {kind} has the id “{scim_id[:100]}”.")


def error_response(status: int, detail: str, scim_type: str | None = None) -> JSONResponse:
    """A SCIM Error message with its status (the app maps every error under /scim/ here)."""
    from scim2_models import Error  # here: see app/scim/routes.py on scim2_models' import cost

    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump(mode="json")
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=SCIM_JSON, headers=headers)
