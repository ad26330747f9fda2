"""Editable e-mail texts and the reminder schedule: settings an admin or HR changes on a page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class MailText(SQLModel, table=True):
    """One e-mail's subject and body as edited; `custom` False means the shipped default.

    `version` only grows (restoring the default is a change too), so a save based on an
    older version is refused instead of silently overwriting someone else's edit.
    """

    kind: str = Field(primary_key=True, max_length=40)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    custom: bool = False
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class ReminderSchedule(SQLModel, table=True):
    """The one row (id 1) of the reminder schedule; no row means the shipped default."""

    id: int = Field(default=1, primary_key=True)
    before_days: str = Field(default="7,1", max_length=100)
    after_days: str = Field(default="1", max_length=100)
    weekly_cap: int = 4
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
