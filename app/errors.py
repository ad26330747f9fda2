"""Domain errors raised by services; main.py maps them to responses."""

from __future__ import annotations


class DomainError(Exception):
    """`headers` go on the response (Retry-After, WWW-Authenticate); `fields` maps a JSON
    pointer into the request body (or a parameter's name) to what is wrong with it."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.fields = fields or {}


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    status_code = 422


class TooManyRequests(DomainError):
    status_code = 429


class Unauthorized(DomainError):
    status_code = 401


class PreconditionFailed(DomainError):
    """An If-Match that no longer matches: someone changed the resource since it was read."""

    status_code = 412


class Unavailable(DomainError):
    """The server cannot do this right now; trying again later may work (503)."""

    status_code = 503
