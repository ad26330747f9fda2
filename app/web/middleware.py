"""Request id, anonymous CSRF cookie, security headers and one log line per request.

A plain ASGI middleware rather than `@app.web.middleware("http")`: Starlette's
BaseHTTPMiddleware runs every request through an extra task and memory stream, which cost
about a sixth of a signed-in page's CPU time here (bench/NOTES.md).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable

from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db import SAFE_METHODS
from app.log_lines import given_request_id, safe_path
from app.security import CSP, new_token
from app.web.csrf import anon_cookie_name

log = logging.getLogger("allyship")
HSTS = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
SET_HERE = {name for name, _ in SECURITY_HEADERS} | {
    b"strict-transport-security",
    b"x-request-id",
}
NO_STORE = (b"cache-control", b"no-store")
CSP_HEADER = (b"content-security-policy", CSP.encode())


def _request_id_and_cookies(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str]:
    """The client's X-Request-ID (if it is a plain id) and Cookie header, in one pass."""
    given_id = cookies = ""
    for name, value in headers:
        if name == b"cookie":
            cookies = value.decode("latin-1")
        elif name == b"x-request-id":
            given_id = given_request_id(value)
    return given_id, cookies


def _with_security_headers(
    headers: Iterable[tuple[bytes, bytes]],
    security: list[tuple[bytes, bytes]],
    extra: list[tuple[bytes, bytes]],
    no_store: bool,
) -> list[tuple[bytes, bytes]]:
    """The response's headers with ours set: a route's own CSP is kept, the rest replaced.

    Raw header pairs in one pass: Starlette's MutableHeaders scans the list for every
    header it sets, which cost more than the rest of this middleware (bench/NOTES.md).
    """
    replaced = SET_HERE | {b"cache-control"} if no_store else SET_HERE
    out = [(name, value) for name, value in headers if name not in replaced]
    if not any(name == b"content-security-policy" for name, _ in out):
        out.append(CSP_HEADER)
    out += security
    out += extra
    if no_store:
        out.append(NO_STORE)
    return out


class RequestHeaders:
    def __init__(
        self, app: ASGIApp, settings: Settings, error_page: Callable[[Request], Response]
    ) -> None:
        self.app = app
        self.settings = settings
        self.error_page = error_page
        self.anon_cookie = anon_cookie_name(settings)
        self.security_headers = SECURITY_HEADERS + (
            [(b"strict-transport-security", HSTS.encode())] if settings.https else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given_id, cookies = _request_id_and_cookies(scope["headers"])
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = given_id or secrets.token_hex(8)
        new_anon = None
        if self.anon_cookie not in cookie_parser(cookies):
            new_anon = state["new_anon_csrf"] = new_token()
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                elapsed_ms = (time.perf_counter() - started) * 1000
                no_store = state.get("user") is not None or path.startswith("/api/")
                extra = [(b"x-request-id", request_id.encode("latin-1"))]
                if new_anon and method in SAFE_METHODS:
                    extra.append((b"set-cookie", self._anon_cookie(new_anon).encode("latin-1")))
                message["headers"] = _with_security_headers(
                    message.get("headers", ()), self.security_headers, extra, no_store
                )
                log.info(
                    "request id=%s method=%s path=%s status=%s ms=%.1f",
                    request_id,
                    method,
                    safe_path(path, scope.get("path_params")),
                    message["status"],
                    elapsed_ms,
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Handled here, inside the header middleware, so a 500 carries the same security
            # headers and request id as every other response.
            log.exception(
                "unhandled error id=%s method=%s path=%s",
                request_id,
                method,
                safe_path(path, scope.get("path_params")),
            )
            if response_started:
                raise
            await self.error_page(Request(scope))(scope, receive, send_with_headers)

    def _anon_cookie(self, value: str) -> str:
        """The Set-Cookie value, formatted by Starlette exactly as `set_cookie` does."""
        response = Response()
        response.set_cookie(
            self.anon_cookie,
            value,
            httponly=True,
            samesite="lax",
            secure=self.settings.https,
            path="/",
        )
        return response.headers["set-cookie"]
