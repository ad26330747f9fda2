"""Request body size limits, enforced while the body streams (413 before any parsing)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 1 * 1024 * 1024
UPLOAD_LIMIT = 11 * 1024 * 1024  # the import page enforces its own 10 MB with a friendlier page
UPLOAD_PREFIXES = ("/hr/",)
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(Exception):
    pass


def limited_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge as soon as the body streamed so far passes `limit`."""
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge()
        return message

    return counting_receive


class BodySizeLimit:
    """Refuse bodies over the limit, whether declared by Content-Length or streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS:
            # No route reads a GET's body, so pages skip the wrappers (bench/NOTES.md).
            await self.app(scope, receive, send)
            return
        limit = UPLOAD_LIMIT if scope["path"].startswith(UPLOAD_PREFIXES) else DEFAULT_LIMIT
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, scope["path"])
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive(receive, limit), tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit, scope["path"])


async def _refuse(send: Send, limit: int, path: str) -> None:
    megabytes = limit // (1024 * 1024)
    body = (
        "<!doctype html><title>Too large</title><h1>Too large</h1>"
        f"<p>That upload is larger than {megabytes} MB. Send a smaller file.</p>"
    ).encode()
    kind = b"text/html; charset=utf-8"
    if path.startswith("/api/"):  # RFC 9457 problem details, like every other API error
        detail = f"The request body is larger than {megabytes} MB; send fewer items per request."
        problem = {"type": "about:blank", "title": "Too large", "status": 413, "detail": detail}
        body, kind = json.dumps(problem).encode(), b"application/problem+json"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"same-origin"),
                (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
