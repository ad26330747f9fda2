"""What every request reads before its route, gathered into one visit to the database.

Each feature that needs something on every request (who is signed in, the organisation's
settings) registers a `RequestRead` on `app.state.request_reads` in `create_app`. The request
checks run all of them on one connection in one hop: a signed-in page then costs one
visit for these reads rather than one per feature (bench/NOTES.md). The kit imports no
feature; the reads and what to keep from them are the features' own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from app.db import Source, run_read

# What a feature wants read for this request: a function of the connection, or None for
# nothing (no sign-in cookie, a path that shows no page).
Planned = Callable[[Source], Any] | None


@dataclass(frozen=True)
class RequestRead:
    """One feature's read on every request, and where it keeps the result."""

    plan: Callable[[Request], Planned]
    keep: Callable[[Request, Any], Awaitable[object]]  # given None when nothing was planned


async def run_request_reads(request: Request, reads: Sequence[RequestRead]) -> None:
    planned = [(read, read.plan(request)) for read in reads]
    todo = [plan for _, plan in planned if plan is not None]
    results = iter(await run_read(request, _each, todo) if todo else ())
    for read, plan in planned:
        await read.keep(request, None if plan is None else next(results))


def _each(source: Source, plans: list[Callable[[Source], Any]]) -> list[Any]:
    return [plan(source) for plan in plans]
