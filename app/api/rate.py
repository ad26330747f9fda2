"""A per-key rate limit counted in the database, so every worker and host shares one budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from app.clock import utcnow
from app.db import brief_busy_wait, conflict_insert, writer
from app.models import ApiRateWindow

WINDOW_SECONDS = 60
POLICY = "per-key"
SQLITE_WAIT_MS = 200


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        """IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers)."""
        left = max(self.remaining, 0)
        return {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={WINDOW_SECONDS}',
            "RateLimit": f'"{POLICY}";r={left};t={self.reset}',
        }


def window_of(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def count_request(engine: Engine, *, key_id: int, limit: int) -> RateState:
    """Count one request against the key's current window in one atomic upsert.

    `count = count + 1` in the database, never read-then-write: parallel requests on any
    number of workers each get their own number, so none slips past the limit.
    """
    now = utcnow()
    start = window_of(now)
    try:
        used = _count(engine, key_id, start)
    except OperationalError:
        # SQLite's one writer is held by a long transaction: let the request through
        # uncounted rather than fail it (a read must not wait on, or 500 for, a writer).
        used = 0
    reset = max(1, int((start + timedelta(seconds=WINDOW_SECONDS) - now).total_seconds() + 0.999))
    return RateState(limit=limit, remaining=limit - used, reset=reset)


def _count(engine: Engine, key_id: int, start: datetime) -> int:
    with writer(engine).connect() as conn, brief_busy_wait(conn, SQLITE_WAIT_MS):
        # SQLite's one writer is waited for briefly, never the full busy timeout.
        return _count_on(Session(bind=conn), key_id, start)


def _count_on(session: Session, key_id: int, start: datetime) -> int:
    with session:
        insert = conflict_insert(session, ApiRateWindow).values(
            api_key_id=key_id, window_start=start, count=1
        )
        counted = insert.on_conflict_do_update(
            index_elements=["api_key_id", "window_start"],
            set_={"count": col(ApiRateWindow.count) + 1},
        ).returning(col(ApiRateWindow.count))
        used = int(session.execute(counted).scalar_one())
        if used == 1:  # the first request of a window clears windows long gone
            session.execute(
                delete(ApiRateWindow).where(
                    col(ApiRateWindow.window_start) < start - timedelta(minutes=10)
                )
            )
        session.commit()
    return used
