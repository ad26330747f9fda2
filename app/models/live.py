"""Live group-session tables: sessions, anonymous participants, votes, attendance, commitments.

Votes point at a participant, and a participant is only a hashed cookie token: nothing links a
vote to a person. A signed-in attendee is recorded in LiveAttendance, which shares no key or
timestamp with LiveParticipant. In "sign in to vote" sessions a participant also carries
HMAC(session's voter_secret, user id), so one person is one participant; the secret is set
NULL when the session ends, after which nobody can tell whose key is whose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.clock import utcnow

OPEN_ONLY = "ended_at IS NULL"


class LiveSession(SQLModel, table=True):
    """One facilitated session; `version` goes up by one on every step change."""

    __table_args__ = (
        Index(
            "uq_livesession_open_code",
            "code",
            unique=True,
            sqlite_where=text(OPEN_ONLY),
            postgresql_where=text(OPEN_ONLY),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=6, index=True)
    module_id: str = Field(max_length=100, index=True)
    quiz_hash: str = Field(max_length=64)
    facilitator_id: int = Field(foreign_key="user.id", index=True)
    scenario_ids: str = Field(sa_column=Column(Text, nullable=False))
    phase: str = Field(default="lobby", max_length=20)
    scenario_index: int = 0
    version: int = 1
    countdown_ends_at: datetime | None = None
    headcount: int | None = None  # people expected; joins beyond it wait for the facilitator
    admitted: int = 0  # participants let in; raised only by conditional UPDATEs (admission.py)
    signin_to_vote: bool = False
    # Reveal by itself once the expected headcount has voted (app/live/auto.py).
    auto_reveal: bool = False
    # Positions of the scenarios skipped before their results were shown ("0,2").
    skipped: str = Field(default="", max_length=200)
    voter_secret: str | None = Field(default=None, max_length=64)  # NULL once the session ends
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = Field(default=None, index=True)
    ended_at: datetime | None = None

    @property
    def scenario_list(self) -> list[str]:
        return [s for s in self.scenario_ids.split(",") if s]

    @property
    def skipped_positions(self) -> frozenset[int]:
        return frozenset(int(n) for n in self.skipped.split(",") if n.isdigit())


class LiveParticipant(SQLModel, table=True):
    """A phone in the room: the SHA-256 of its cookie token, whether it is let in, and (sign in
    to vote) the keyed hash of its person."""

    __table_args__ = (UniqueConstraint("session_id", "voter_key", name="uq_liveparticipant_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="livesession.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    state: str = Field(default="in", max_length=10)  # in | waiting | denied
    voter_key: str | None = Field(default=None, max_length=64)


class LiveVote(SQLModel, table=True):
    """One participant's current choice on one scenario; changed in place while voting is open."""

    __table_args__ = (
        UniqueConstraint(
            "session_id", "scenario_id", "participant_id", name="uq_livevote_participant"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="livesession.id")
    scenario_id: str = Field(max_length=100)
    participant_id: int = Field(foreign_key="liveparticipant.id", index=True)
    choice_id: str = Field(max_length=100)


class LiveAttendance(SQLModel, table=True):
    """A signed-in person was in the session (never linked to a participant or a vote)."""

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="livesession.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    counted_at: datetime | None = None


class LiveCommitment(SQLModel, table=True):
    """A signed-in participant's private if-then commitment for a module; only its author sees it."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class LiveJoin(SQLModel, table=True):
    """One code from an address that matched no session; code-guessing throttling counts
    recent rows (append-only, old rows deleted)."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
