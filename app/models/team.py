"""Per-person choices about what others see: a manager's weekly digest, the privacy notice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow


class ManagerDigest(SQLModel, table=True):
    """A manager who asked for the weekly digest of their team (a row per manager: opted in)."""

    user_id: int = Field(
        foreign_key="user.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    chosen_at: datetime = Field(default_factory=utcnow)


class PrivacyNotice(SQLModel, table=True):
    """When a person was first shown the privacy page (at their first sign-in), once each."""

    user_id: int = Field(
        foreign_key="user.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    shown_at: datetime = Field(default_factory=utcnow)
