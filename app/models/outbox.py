"""Outgoing e-mail waiting for the background sender (the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class OutboxMessage(SQLModel, table=True):
    """One e-mail to deliver. A request only inserts a row; it never talks to SMTP itself.

    Rows are kept after delivery (sent_at set) as the record of what was sent.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    to: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    # An iCalendar object (RFC 5545) sent as a text/calendar part; "" for none (app/live/planning_ics.py).
    calendar: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = None
    sent_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    # Which sender holds the claim (checked when it finishes, so a sender whose claim ran out
    # and was taken over never overwrites the new holder's result).
    claimed_by: str = Field(default="", max_length=32)
    # For invitations and password resets: the Invite whose token the sender mints when it
    # sends, so no usable link is ever stored readable (app.mail.outbox_sender).
    invite_id: int | None = Field(default=None, foreign_key="invite.id", index=True)
