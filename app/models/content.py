"""Content releases: each module's content hash per release, and the modules a release reopened.

A material release of a module reopens it for people who had completed it in their current
recertification cycle: their lesson read, attempts and completion of that module get the
release's id in `superseded_by` (0 while a row is current), so they stay as history while
the learner's pages, HR's current figures and the certificate check read current rows only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow

NOTE_MAX = 2_000


class ContentRelease(SQLModel, table=True):
    """One `allyship content release`; `number` is unique, so two releases at once make one."""

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    note: str = Field(sa_column=Column(Text, nullable=False))
    released_at: datetime = Field(default_factory=utcnow)


class ReleasedModule(SQLModel, table=True):
    """A module's content hash at a release, and whether the release called it material."""

    __table_args__ = (UniqueConstraint("release_id", "module_id", name="uq_releasedmodule"),)

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="contentrelease.id", index=True)
    module_id: str = Field(max_length=100)
    content_hash: str = Field(max_length=64)
    material: bool = False


class ModuleReopen(SQLModel, table=True):
    """A module a material release reopened for one person (in the cycle they were in)."""

    __table_args__ = (
        UniqueConstraint("release_id", "user_id", "module_id", name="uq_modulereopen"),
    )

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="contentrelease.id")
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    cycle: int
    reopened_at: datetime = Field(default_factory=utcnow)
    note_read_at: datetime | None = None  # the learner dismissed the "what changed" note
