"""Open answers in a live room: prompts the facilitator opens, and the anonymous answers to them.

An answer row holds its prompt, its text and its moderation state: no participant, no user,
no time. Limits per phone live in LiveAnswerQuota under HMAC(prompt's key, phone's token hash);
both the key and the quota rows are deleted when the prompt closes, so afterwards nothing can
tell which phone sent what (and while open, a quota row never points at an answer).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow

TITLES = {
    "say": "What would you say?",
    "questions": "Questions for the group",
    "commitments": "Our commitments",
}
PER_PHONE = {"say": 1, "questions": 3, "commitments": 1}  # answers one phone may send a prompt
TEXT_MAX = 280


class LivePrompt(SQLModel, table=True):
    """One open question in a session: "What would you say?", questions, or the commitments wall."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="livesession.id", index=True)
    kind: str = Field(max_length=20)  # say | questions | commitments
    scenario_id: str | None = Field(default=None, max_length=100)  # "say": the scenario asked about
    received: int = 0  # answers sent; raised only by a conditional UPDATE (the room's cap)
    # Phones that answered: nothing is shown until five did (one phone may send three questions).
    senders: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    sender_key: str | None = Field(default=None, max_length=64)  # NULL once closed
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def per_phone(self) -> int:
        return PER_PHONE[self.kind]

    @property
    def text_max(self) -> int:
        return TEXT_MAX


class LiveAnswer(SQLModel, table=True):
    """One anonymous answer: its prompt, its words and new | approved | hidden, nothing else."""

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: int = Field(foreign_key="liveprompt.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="new", max_length=10)


class LiveAnswerQuota(SQLModel, table=True):
    """How many answers one phone sent to an open prompt, under a keyed hash; deleted on close."""

    __table_args__ = (UniqueConstraint("prompt_id", "sender", name="uq_liveanswerquota_sender"),)

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: int = Field(foreign_key="liveprompt.id", index=True)
    sender: str = Field(max_length=64)
    sent: int = 0
