"""The organisation's own settings (one row per key) and its logo (app/org)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class OrgSetting(SQLModel, table=True):
    """One setting an admin changed; a key with no row falls back to its ALLYSHIP_ default.

    One row per key, so two admins saving different fields at once never undo each other.
    """

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class OrgLogo(SQLModel, table=True):
    """The uploaded logo (only ever the row with id 1), checked before it was stored."""

    id: int = Field(default=1, primary_key=True)
    content_type: str = Field(max_length=40)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utcnow)
