"""Core tables: people, sign-in, learning progress and its evidence."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class Role(StrEnum):
    learner = "learner"
    facilitator = "facilitator"
    hr = "hr"
    admin = "admin"


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person. Leavers are deactivated (active=False), never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(max_length=200)
    role: str = Field(default=Role.learner, max_length=20)
    password_hash: str | None = Field(default=None, max_length=200)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    deactivated_at: datetime | None = None
    password_changed_at: datetime | None = None
    # The person's current recertification cycle (app/recert/cycles.py raises it by one).
    cycle: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Any change to the row, by any path (GET /api/v1/people?updated_since= reads it).
    updated_at: datetime | None = Field(
        default_factory=utcnow, index=True, sa_column_kwargs={"onupdate": utcnow}
    )


class LoginSession(SQLModel, table=True):
    """A server-side sign-in; the cookie holds a token whose SHA-256 is stored here.

    `address` is where the sign-in came from: an earlier sign-in of this person from an
    address exempts that pair from the per-address slow-down (app/auth/throttle.py).
    """

    __table_args__ = (Index("ix_loginsession_user_id_address", "user_id", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    address: str | None = Field(default=None, max_length=64)


class KeptForm(SQLModel, table=True):
    """A form sent after its sender's sign-in ended, kept for them for a short while.

    The cookie `allyship_kept` holds a token whose SHA-256 is stored here; the row is given
    back only to `user_id` (the person whose sign-in ended), on the page it came from, and
    is deleted when given back or once `expires_at` has passed (app/auth/kept.py). One row
    per page (kind and module): two tabs sent after the timeout keep both forms (retest R8).
    """

    __table_args__ = (UniqueConstraint("token_hash", "kind", "module_id", name="uq_keptform_page"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=20)
    module_id: str = Field(max_length=100)
    quiz_hash: str = Field(default="", max_length=64)
    reason: str = Field(max_length=20)
    fields: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in; throttling counts recent rows (append-only, no lost updates)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class LoginThrottle(SQLModel, table=True):
    """When the next sign-in may be tried for an (e-mail, address) pair, or for a whole
    address (email ""); held by a conditional UPDATE, so two tries never run at once."""

    __table_args__ = (UniqueConstraint("email", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)
    failures: int = 0
    last_failure_at: datetime | None = None
    next_try_at: datetime = Field(index=True)
    held_until: datetime | None = None  # a try is being checked (its outcome ends the hold)


class ProxySighting(SQLModel, table=True):
    """A peer that sent X-Forwarded-For without being trusted (`allyship check-deploy` reads it)."""

    id: int | None = Field(default=None, primary_key=True)
    peer: str = Field(max_length=64, unique=True)
    header: str = Field(max_length=200)
    last_seen_at: datetime


class Assignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100, index=True)
    due_at: datetime = Field(index=True)
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")
    source: str = Field(default="manual", max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class LessonProgress(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint(
            "user_id", "module_id", "cycle", "superseded_by", name="uq_lessonprogress_round"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    opened_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    via: str = Field(default="self-paced", max_length=40)
    # The recertification cycle it belongs to (app/recert): earlier cycles stay as history.
    cycle: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The content release that reopened the module for this person (app/models/content.py);
    # 0 while the row is current.
    superseded_by: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Reflection(SQLModel, table=True):
    """Private to its author: never exported, never shown to HR or facilitators."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class QuizAttempt(SQLModel, table=True):
    """One scored submission; never overwritten. The best attempt counts."""

    __table_args__ = (UniqueConstraint("user_id", "submission_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100, index=True)
    submission_id: str = Field(max_length=64)
    quiz_hash: str = Field(max_length=64)
    started_at: datetime | None = None
    submitted_at: datetime = Field(default_factory=utcnow, index=True)
    score: int
    max_score: int
    percent: int
    pass_mark: int
    passed: bool
    # The scenarios this attempt asked; None for attempts from before draws (the whole quiz,
    # in file order). Unique: one scored attempt per draw, however often it is submitted.
    draw_id: int | None = Field(default=None, foreign_key="quizdraw.id", unique=True)
    # The recertification cycle it belongs to (app/recert): earlier cycles stay as history.
    cycle: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The content release that reopened the module for this person (app/models/content.py);
    # 0 while the row is current.
    superseded_by: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class QuizDraw(SQLModel, table=True):
    """The scenarios one attempt asks, drawn when the learner opens the quiz."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    quiz_hash: str = Field(max_length=64)
    drawn_at: datetime = Field(default_factory=utcnow)


class DrawnScenario(SQLModel, table=True):
    """One drawn scenario: where it sits in the attempt and its options in the order shown."""

    __table_args__ = (
        UniqueConstraint("draw_id", "position"),
        UniqueConstraint("draw_id", "scenario_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="quizdraw.id")
    position: int
    scenario_id: str = Field(max_length=100)
    choice_order: str = Field(max_length=500)  # choice ids, comma-separated, as shown


class AttemptAnswer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("attempt_id", "scenario_id"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="quizattempt.id", index=True)
    scenario_id: str = Field(max_length=100)
    choice_id: str = Field(max_length=100)
    points: int


class Completion(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint(
            "user_id", "module_id", "cycle", "superseded_by", name="uq_completion_round"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100, index=True)
    completed_at: datetime = Field(default_factory=utcnow, index=True)
    via: str = Field(default="self-paced", max_length=40)
    # The recertification cycle it belongs to (app/recert): earlier cycles stay as history.
    cycle: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The content release that reopened the module for this person (app/models/content.py);
    # 0 while the row is current.
    superseded_by: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Certificate(SQLModel, table=True):
    """One per person and cycle; an earlier cycle's certificate still verifies."""

    __table_args__ = (UniqueConstraint("user_id", "cycle", name="uq_certificate_cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    code: str = Field(max_length=20, unique=True)
    issued_at: datetime = Field(default_factory=utcnow)
    # The recertification cycle it belongs to (app/recert): earlier cycles stay as history.
    cycle: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=80, index=True)
    target: str = Field(default="", max_length=300)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    at: datetime = Field(default_factory=utcnow, index=True)
