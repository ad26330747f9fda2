"""Time in one place: timezone-aware UTC datetimes (SQLModel stores them as UTC)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def utcnow_exact() -> datetime:
    """To the microsecond: sign-in delays of one second need better than whole seconds."""
    return datetime.now(UTC)
