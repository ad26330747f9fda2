"""Time in one place: timezone-aware UTC datetimes (SQLModel stores them as UTC)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, to the whole second. From the whole seconds of `time.time()`: the same value as
    `datetime.now(UTC).replace(microsecond=0)` at a third of its cost (a page asks for the
    time about five times; bench/NOTES.md)."""
    return datetime.fromtimestamp(int(time.time()), UTC)


def utcnow_exact() -> datetime:
    """To the microsecond: sign-in delays of one second need better than whole seconds."""
    return datetime.now(UTC)
