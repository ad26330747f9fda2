"""Planned group sessions: a session scheduled ahead, its invitees and calendar sequence.

The plan holds no join code: the LiveSession (and its code) is made when the facilitator
opens the plan on the day, so a code is never held for weeks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class LivePlan(SQLModel, table=True):
    """A session planned for `starts_at` (UTC); `sequence` is the calendar's SEQUENCE."""

    id: int | None = Field(default=None, primary_key=True)
    facilitator_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    scenario_ids: str = Field(sa_column=Column(Text, nullable=False))
    headcount: int
    starts_at: datetime = Field(index=True)
    minutes: int = 60
    time_zone: str = Field(max_length=64)  # the organisation's zone when planned, for display
    sequence: int = 0  # raised by one on every change sent to invitees (RFC 5545 SEQUENCE)
    created_at: datetime = Field(default_factory=utcnow)
    cancelled_at: datetime | None = None
    opened_at: datetime | None = None  # claimed by one "open" click before the session is made
    session_id: int | None = Field(default=None, foreign_key="livesession.id", index=True)

    @property
    def scenario_list(self) -> list[str]:
        return [s for s in self.scenario_ids.split(",") if s]


class LivePlanInvitee(SQLModel, table=True):
    """One person invited to a planned session (each gets their own calendar invitation)."""

    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="liveplan.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
