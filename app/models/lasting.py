"""Learning that lasts: private if-then commitments, their check-ins, nudges and released counts.

A Commitment and its CommitmentCheckIns are private to their author, like a Reflection: never
exported, never shown to HR, managers or admins, never in an event. HR sees only check-in
outcomes released in blocks of 5 or more people with noise (CheckInBlock, CheckInCount).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from app.clock import utcnow


class Commitment(SQLModel, table=True):
    """One person's if-then plan for one module; `check_on` is the day its next check-in is due."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    situation: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    check_on: date | None = Field(default=None, index=True)  # None once closed
    closed_at: datetime | None = None


class CommitmentCheckIn(SQLModel, table=True):
    """One answered check-in, never changed: how often they acted, and keep, change or close.

    The plan's words as they were when asked are kept with it, so a later change of the plan
    never rewrites what this check-in was about.
    """

    __table_args__ = (UniqueConstraint("commitment_id", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    due_on: date
    acted: str = Field(max_length=20)
    decision: str = Field(max_length=20)
    situation: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    answered_at: datetime = Field(default_factory=utcnow)


class NudgePreference(SQLModel, table=True):
    """A person's one switch for every nudge (refreshers and check-ins).

    `version` grows on every change: a stop link names the version it was made for, so a link
    used once (or made before the person turned nudges back on) does nothing again.
    """

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    stopped_at: datetime | None = None
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class NudgeSent(SQLModel, table=True):
    """A nudge queued: one per (person, kind, subject, due day), and one per person a day.

    Both unique keys are checked by the insert itself, so two senders at once queue a nudge
    once and never two nudges to one person on one day.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject", "due_on", name="uq_nudgesent_due"),
        UniqueConstraint("user_id", "sent_on", name="uq_nudgesent_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=20)
    subject: str = Field(max_length=100)  # the module, or the commitment's id
    due_on: date
    sent_on: date
    outbox_id: int | None = Field(default=None, foreign_key="outboxmessage.id")


class CheckInMember(SQLModel, table=True):
    """A commitment's first check-in outcome, counted once under the department of that time.

    `answer` is how often they acted, or "none" when the check-in went unanswered for the
    grace period. Members wait unsealed (block_id None) until 5 of one module and department.
    """

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", unique=True)
    module_id: str = Field(max_length=100)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    answer: str = Field(max_length=20)
    counted_at: datetime = Field(default_factory=utcnow)
    block_id: int | None = Field(default=None, foreign_key="checkinblock.id")


Index(
    "ix_checkinmember_block_module_department",
    col(CheckInMember.block_id),
    col(CheckInMember.module_id),
    col(CheckInMember.department_id),
)


class CheckInBlock(SQLModel, table=True):
    """At least 5 people's first check-in outcomes for one module and department, never changed."""

    id: int | None = Field(default=None, primary_key=True)
    module_id: str = Field(max_length=100, index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    people: int
    released_at: datetime = Field(default_factory=utcnow)


class CheckInCount(SQLModel, table=True):
    """One block's count of one answer: the true count (never shown) and the noisy one shown."""

    __table_args__ = (UniqueConstraint("block_id", "answer"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="checkinblock.id")
    answer: str = Field(max_length=20)
    people: int
    noisy_people: int
