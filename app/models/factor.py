"""The second factor of password sign-ins: the authenticator secret, recovery codes, the step between."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.clock import utcnow


class SecondFactor(SQLModel, table=True):
    """A person's authenticator (TOTP) secret, encrypted; it counts once `confirmed_at` is set.

    `last_step` is the 30-second time step of the last code accepted: a code is taken only
    for a later step, so a code seen over someone's shoulder cannot be used again.
    """

    user_id: int = Field(
        foreign_key="user.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    secret: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    last_step: int | None = None


class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code, kept only as a keyed hash; `used_at` set once, never cleared."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class PendingSignIn(SQLModel, table=True):
    """A good password whose second factor is still owed: not a sign-in, it opens no page.

    Its cookie token's SHA-256 is stored here; it ends when used, after `expires_at`, or
    after too many wrong codes (app/auth/pending.py).
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    address: str | None = Field(default=None, max_length=64)
    target: str = Field(default="/", max_length=2000)
    failures: int = 0
    ended_at: datetime | None = None
