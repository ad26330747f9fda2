"""The optional self-assessment: one private row per person and form, and its released change.

A MeasureResponse is its author's alone (never exported, never shown to HR, managers or
admins, never sent in events). When a counted person has answered both forms, their change
becomes one MeasureMember under the department they had then; members wait until 5 or more
of one department can be sealed into a MeasureBlock, whose sums carry noise drawn once at
sealing. HR reads only blocks (app/measures/released.py, docs/privacy.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class MeasureResponse(SQLModel, table=True):
    """One form (before or after) as its author sent it; a second one is refused."""

    __table_args__ = (UniqueConstraint("user_id", "form"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    form: str = Field(max_length=10)
    # {"item id": [now, looking back or null]} as JSON: the items of the content at the time.
    ratings: str = Field(sa_column=Column(Text, nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow)


class MeasureMember(SQLModel, table=True):
    """A person's change (sums over the items both forms rated), counted once for release."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    items: int
    change: int  # sum of (after - before)
    looking_back: int  # sum of (after - looking back)
    block_id: int | None = Field(default=None, foreign_key="measureblock.id", index=True)
    counted_at: datetime = Field(default_factory=utcnow)


class MeasureBlock(SQLModel, table=True):
    """At least 5 people of one department, released together with noisy sums; never changed."""

    id: int | None = Field(default=None, primary_key=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    people: int
    items: int  # item ratings counted in all (the divisor of the mean)
    noisy_change: int
    noisy_looking_back: int
    released_at: datetime = Field(default_factory=utcnow)
