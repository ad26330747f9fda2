"""The request-scoped session dependency for sync routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app.db.engine import writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; unsafe methods begin their transactions IMMEDIATE.

    `async` on purpose: creating a Session does no I/O (it connects on first use, in the
    route's worker thread) and closing one only hands the connection back to the pool, so
    running both on the event loop saves two thread-pool hops per request (measured in
    bench/NOTES.md). Only `def` routes may depend on it (tests/test_async_routes.py).
    """
    engine: Engine = request.app.state.engine
    bind = engine if request.method in SAFE_METHODS else writer(engine)
    with Session(bind, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
