"""Refresher rounds (issue 21): a person's answers, and the signed links already opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class RefresherAnswer(SQLModel, table=True):
    """One answered refresher round: private to its person, never overwritten.

    The unique key lets a round be answered once: a second submission, or two at once,
    inserts nothing and is refused politely.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "round", name="uq_refresheranswer_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100, index=True)
    round: int
    scenario_id: str = Field(max_length=100)
    choice_id: str = Field(max_length=100)
    points: int
    max_points: int
    # The module's content hash when answered (app/content/schema.py), as attempts keep theirs.
    content_hash: str = Field(max_length=64)
    answered_at: datetime = Field(default_factory=utcnow)


class RefresherLinkUse(SQLModel, table=True):
    """A signed refresher link that was opened: its SHA-256, so each link opens once."""

    digest: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    used_at: datetime = Field(default_factory=utcnow)


class RefresherMember(SQLModel, table=True):
    """A person's final refresher participation for one module, counted once for HR.

    Counted when the module's last round has closed, under the department the person has
    then; it waits (block_id None) until MIN_GROUP outcomes of its module and department can
    be sealed into a block together (app/refreshers/participation.py).
    """

    user_id: int = Field(
        foreign_key="user.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    module_id: str = Field(max_length=100, primary_key=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    took: bool
    counted_at: datetime
    block_id: int | None = Field(default=None, foreign_key="refresherblock.id", index=True)


class RefresherBlock(SQLModel, table=True):
    """A sealed group of 5 or more outcomes: never changes; its count carries noise drawn once."""

    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=100, index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    people: int
    noisy_took: int
    sealed_at: datetime
