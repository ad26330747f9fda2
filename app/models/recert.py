"""Recertification tables: the organisation's validity period and each person's cycles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.models.hr import _Claimed


class RecertPolicy(SQLModel, table=True):
    """The one row (id 1) holding how long a completion stays valid; no row means "none"."""

    id: int | None = Field(default=None, primary_key=True)
    months: int | None = None  # None: completions never expire
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class RecertCycle(SQLModel, table=True):
    """A cycle after the first: who started it and when; the unique key allows one per number."""

    __table_args__ = (UniqueConstraint("user_id", "number", name="uq_recertcycle_number"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    number: int
    started_at: datetime = Field(default_factory=utcnow)
    started_by_id: int | None = Field(default=None, foreign_key="user.id")
    due_on: date | None = None


class RecertReminder(_Claimed, table=True):
    """One recertification reminder per person, cycle and stage; the unique key stops repeats."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "period", name="uq_recertreminder_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=20)
    period: str = Field(max_length=40)
