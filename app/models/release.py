"""Released figures: aggregates of answers are stored when released and never recomputed.

A first quiz attempt becomes a ReleaseMember once, under the department its person had then;
members wait until at least 5 of one module and department (or, after a while, of one module
across departments: a pooled block) are sealed together into a ReleaseBlock, whose per-scenario
sums are stored in ReleasedScore, each with noise drawn once at sealing (`noisy_points`).
HR figures are sums of whole blocks' noisy sums (app/hr/release.py).
A group session's vote distribution is stored in LiveRelease when revealed (app/live/released.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from app.clock import utcnow


class ReleaseBlock(SQLModel, table=True):
    """At least 5 people's first attempts at one module, released together and never changed."""

    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=100, index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    pooled: bool = False  # members of several departments: counted for everyone only
    people: int
    released_at: datetime = Field(default_factory=utcnow)


class ReleaseMember(SQLModel, table=True):
    """A person's first attempt at a module, under the department they had when it was counted."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=100)
    attempt_id: int = Field(foreign_key="quizattempt.id", unique=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    submitted_at: datetime
    block_id: int | None = Field(default=None, foreign_key="releaseblock.id")


# Waiting members are found by (block_id IS NULL, module, department): one index for both.
Index(
    "ix_releasemember_block_module_department",
    col(ReleaseMember.block_id),
    col(ReleaseMember.module_id),
    col(ReleaseMember.department_id),
)


class ReleaseScan(SQLModel, table=True):
    """How far quiz attempts were counted: a view checks for newer ones with one index probe."""

    id: int | None = Field(default=None, primary_key=True)
    through: int = 0  # every attempt with a higher id is new
    scanned_at: datetime = Field(default_factory=utcnow)


class ReleasedScore(SQLModel, table=True):
    """One block's first-attempt points on one scenario (only when 5 or more answered it).

    `points` is the true sum, kept for audit and never shown; `noisy_points` is what every
    view adds up: the sum plus noise drawn once, when the block was sealed (app/privacy.py).
    """

    __table_args__ = (UniqueConstraint("block_id", "scenario_id"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="releaseblock.id")
    scenario_id: str = Field(max_length=100)
    people: int
    points: int
    noisy_points: int


class LiveRelease(SQLModel, table=True):
    """The vote distribution last released for one scenario of one group session.

    `votes` keeps the released participant -> choice pairs (anonymous, like LiveVote): a
    later release keeps them as they are and adds only new voters, 5 or more at a time;
    `counts` is what is shown.
    """

    __table_args__ = (UniqueConstraint("session_id", "scenario_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="livesession.id")
    scenario_id: str = Field(max_length=100)
    voters: int
    counts: str = Field(sa_column=Column(Text, nullable=False))
    votes: str = Field(sa_column=Column(Text, nullable=False))
    released_at: datetime = Field(default_factory=utcnow)
