"""API v1 tables: removed assignments (history), idempotent bulk requests, rate-limit windows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class RemovedAssignment(SQLModel, table=True):
    """An assignment that was taken away: who had it, since when, who removed it and when.

    The live row leaves `assignment` (so no report, reminder or overdue count ever needs a
    "not removed" filter); attempts, lesson reads and completions are never touched.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    due_at: datetime
    assigned_at: datetime
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(max_length=40)
    removed_at: datetime = Field(default_factory=utcnow)
    removed_by_id: int | None = Field(default=None, foreign_key="user.id")
    removed_via: str = Field(max_length=120, description="web, or api:<key name>")


class ApiIdempotency(SQLModel, table=True):
    """The first answer to a request sent with an Idempotency-Key, per API key."""

    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="apikey.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ApiRateWindow(SQLModel, table=True):
    """Requests one API key made in one window: shared by every worker through the database."""

    __table_args__ = (UniqueConstraint("api_key_id", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="apikey.id")
    window_start: datetime = Field(index=True)
    count: int = 0
