"""HTTP helpers shared by the live routes: no caching, ETags and the poll's Server-Timing."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response


async def started() -> float:
    """When the handler's work began (reported in Server-Timing, so polls can be measured).

    `async` so that FastAPI runs it on the event loop instead of hopping to a worker thread.
    """
    return time.perf_counter()


Started = Annotated[float, Depends(started)]


def no_store(response: Response, *, etag: str = "", since: float | None = None) -> Response:
    """Live views are never cached; polled views carry their ETag and the handler's time."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request"
    if etag:
        response.headers["ETag"] = etag
    if since is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - since) * 1000:.2f}"
    return response


def not_modified(etag: str, since: float) -> Response:
    """The 304 a poll gets when the client already shows the current state."""
    return no_store(Response(status_code=304), etag=etag, since=since)
