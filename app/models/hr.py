"""HR tables: invites, import batches, department assignment rules, reminders sent, API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel, col

from app.clock import utcnow
from app.models.core import QuizAttempt


class Invite(SQLModel, table=True):
    """A one-time link to set a password. Queued without a token; the sender mints one."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    # A link shown on screen to the person who issued it (never mailed): it works only while
    # the account has never had a password (app.auth.invites.accept).
    shown: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ImportBatch(SQLModel, table=True):
    """An uploaded people file kept between preview and apply (state lives in the database)."""

    id: int | None = Field(default=None, primary_key=True)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    filename: str = Field(max_length=300)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    leavers: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    applied_at: datetime | None = None
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AssignmentRule(SQLModel, table=True):
    """Everyone who joins this department gets this module, due `due_days` after joining."""

    __table_args__ = (UniqueConstraint("department_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    module_id: str = Field(max_length=100)
    due_days: int
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class _Claimed(SQLModel):
    """Send-once bookkeeping: claimed by one run and queued in the outbox in one transaction.

    `status` is claimed (briefly, inside that transaction) then queued; rows from before the
    outbox say sent or failed. Whether a queued one was delivered is its outbox message's state.
    """

    status: str = Field(default="claimed", max_length=10)
    claim_token: str = Field(max_length=32)
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    # The outbox message that carries it, once queued: its delivery state is the reminder's.
    outbox_id: int | None = Field(default=None, foreign_key="outboxmessage.id", index=True)


class ReminderSent(_Claimed, table=True):
    """One reminder of one kind for one assignment; the unique key stops double sends."""

    __table_args__ = (UniqueConstraint("assignment_id", "kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    kind: str = Field(max_length=20)
    period: str = Field(max_length=40)


class DigestSent(_Claimed, table=True):
    """One weekly digest to one manager; the unique key stops double sends."""

    __table_args__ = (UniqueConstraint("manager_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="user.id", index=True)
    period: str = Field(max_length=20)


class ApiKey(SQLModel, table=True):
    """A key for HR systems; only its SHA-256 is stored, and revoking it is permanent."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    prefix: str = Field(max_length=20)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(default="read write", max_length=100)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # null: never expires


# The first attempt per person and module is found by min(id): a covering index keeps it cheap.
Index(
    "ix_quizattempt_user_module_id",
    col(QuizAttempt.user_id),
    col(QuizAttempt.module_id),
    col(QuizAttempt.id),
)
