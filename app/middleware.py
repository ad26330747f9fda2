"""Request id, anonymous CSRF cookie, security headers and one log line per request.

A plain ASGI middleware rather than `@app.middleware("http")`: Starlette's
BaseHTTPMiddleware runs every request through an extra task and memory stream, which cost
about a sixth of a signed-in page's CPU time here (bench/NOTES.md).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.csrf import ANON_COOKIE
from app.db import SAFE_METHODS
from app.security import CSP, new_token

log = logging.getLogger("allyship")
HSTS = "max-age=31536000; includeSubDomains"


class RequestHeaders:
    def __init__(
        self, app: ASGIApp, settings: Settings, error_page: Callable[[Request], Response]
    ) -> None:
        self.app = app
        self.settings = settings
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = (
            headers.get("x-request-id", "")[:64] or uuid.uuid4().hex[:16]
        )
        new_anon = None
        if ANON_COOKIE not in cookie_parser(headers.get("cookie", "")):
            new_anon = state["new_anon_csrf"] = new_token()
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                elapsed_ms = (time.perf_counter() - started) * 1000
                out = MutableHeaders(scope=message)
                if new_anon and method in SAFE_METHODS:
                    out.append("set-cookie", self._anon_cookie(new_anon))
                out.setdefault("Content-Security-Policy", CSP)
                out["X-Content-Type-Options"] = "nosniff"
                out["Referrer-Policy"] = "same-origin"
                out["X-Frame-Options"] = "DENY"
                out["X-Request-ID"] = request_id
                if self.settings.https:
                    out["Strict-Transport-Security"] = HSTS
                if state.get("user") is not None or path.startswith("/api/"):
                    out["Cache-Control"] = "no-store"
                log.info(
                    "request id=%s method=%s path=%s status=%s ms=%.1f",
                    request_id,
                    method,
                    path,
                    message["status"],
                    elapsed_ms,
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Handled here, inside the header middleware, so a 500 carries the same security
            # headers and request id as every other response.
            log.exception("unhandled error id=%s method=%s path=%s", request_id, method, path)
            if response_started:
                raise
            await self.error_page(Request(scope))(scope, receive, send_with_headers)

    def _anon_cookie(self, value: str) -> str:
        """The Set-Cookie value, formatted by Starlette exactly as `set_cookie` does."""
        response = Response()
        response.set_cookie(
            ANON_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=self.settings.https,
            path="/",
        )
        return response.headers["set-cookie"]
