"""Single sign-on: who a provider's subject is here, and sign-ins under way (app/auth/sso_*)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class SsoIdentity(SQLModel, table=True):
    """The person a provider's `sub` signs in as, linked at its first sign-in.

    Later sign-ins follow the `sub`, never the e-mail: someone who changes their address at
    the provider does not become whoever has that address here. One link per person and
    issuer, so a second provider account cannot take over a person already linked.
    """

    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
        UniqueConstraint("issuer", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class SsoPending(SQLModel, table=True):
    """One sign-in sent to the provider: its state, nonce and PKCE verifier, server-side.

    Bound to the browser that started it (the hash of a random cookie) and spent by the
    first callback that presents its state from that browser; expired rows are pruned.
    """

    state_hash: str = Field(primary_key=True, max_length=64)
    browser_hash: str = Field(max_length=64)
    nonce: str = Field(max_length=100)
    verifier: str = Field(max_length=128)
    next: str = Field(default="/", max_length=2000)
    expires_at: datetime = Field(index=True)
