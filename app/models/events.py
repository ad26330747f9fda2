"""The events feed (app.events) and the webhook outbox that delivers it (app.events.webhooks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class Event(SQLModel, table=True):
    """Something an HR system wants to know, numbered in commit order (`seq`, never reused).

    Written only by app.events.record_event, inside the transaction of the change it
    reports; the payload (`data`, JSON) holds what HR may see, never reflections or votes.
    """

    __table_args__ = {"sqlite_autoincrement": True}  # a deleted last row's number is not reused

    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    kind: str = Field(max_length=40, index=True)
    subject: str = Field(max_length=80)
    occurred_at: datetime = Field(default_factory=utcnow)
    data: str = Field(sa_column=Column(Text, nullable=False))
    # Events that must happen once (an assignment overdue once per cycle) carry a key.
    once_key: str | None = Field(default=None, max_length=120, unique=True)


class WebhookEndpoint(SQLModel, table=True):
    """A URL that receives signed events; its secret is kept to sign (shown to the admin once).

    One endpoint per URL (retest R5): a second copy would be sent every event again.
    """

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True, index=True)
    description: str = Field(default="", max_length=200)
    kinds: str = Field(max_length=500, description="Space-separated event kinds, or *.")
    secret: str = Field(max_length=100)
    active: bool = True
    # The last event the sender has fanned out to this endpoint (starts at the newest event
    # when the endpoint is added: it receives what happens from then on).
    after_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    failing_since: datetime | None = None
    disabled_reason: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: the outbox row the sender claims, sends and retries."""

    __table_args__ = (UniqueConstraint("endpoint_id", "event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhookendpoint.id", index=True)
    event_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = None
    claimed_by: str = Field(default="", max_length=32)
    delivered_at: datetime | None = None
    given_up_at: datetime | None = None
    attempts: int = 0
    last_status: int | None = None
    last_error: str = Field(default="", max_length=500)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP try of a delivery, for the admin's delivery log."""

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhookdelivery.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    status: int | None = None
    milliseconds: int = 0
    error: str = Field(default="", max_length=500)
