"""The step between a good password and a sign-in, for accounts with (or owing) a second factor.

A pending sign-in is not a session: its cookie names a `PendingSignIn` row, which no page's
sign-in lookup reads, so with it a browser reaches only the second-factor pages. It lasts
PENDING_FOR, ends at its first use (one conditional UPDATE: two requests at once cannot
both sign in), and after MAX_WRONG wrong codes, when the password is asked again (and meets
the password throttle). Wrong codes are also throttled per account and per client address
with the sign-in throttle (app/auth/throttle.py), keyed "second-factor:<user id>".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.auth import factor, throttle
from app.clock import utcnow, utcnow_exact
from app.config import Settings
from app.db import in_transaction
from app.errors import TooManyRequests
from app.models import PendingSignIn, User, row_id
from app.security import new_token, token_digest

PENDING_FOR = timedelta(minutes=15)
MAX_WRONG = 5
KEEP = timedelta(days=1)
Result = TypeVar("Result")
ENDED = (
    "Your sign-in was not finished in time, or was ended. "
    "Sign in again with your email and password."
)


STILL_CHECKING = (
    "Another code for this account is still being checked. Wait a moment, then try again."
)


def wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit}, then try again."


class PendingGone(Exception):
    """No live pending sign-in for this cookie: the person signs in again from the start."""


def needed(session: Session, settings: Settings, *, user_id: int, role: str) -> bool:
    """Whether a good password must still be followed by a second factor."""
    return factor.required_for(role, settings) or factor.has_factor(session, user_id=user_id)


def start(
    session: Session, settings: Settings, *, user_id: int, address: str | None, target: str
) -> str:
    """Store a pending sign-in (no commit), with a secret to enrol when there is no factor yet;
    returns the token for its cookie."""
    token, now = new_token(), utcnow()
    factor.prepare_secret(session, settings, user_id=user_id)
    session.exec(delete(PendingSignIn).where(col(PendingSignIn.expires_at) < now - KEEP))
    session.add(
        PendingSignIn(
            token_hash=token_digest(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + PENDING_FOR,
            address=address,
            target=target[:2000],
        )
    )
    return token


@dataclass(frozen=True)
class Pending:
    """A live pending sign-in and whose it is."""

    row: PendingSignIn
    user: User


def find(session: Session, *, token: str | None) -> Pending:
    """The live pending sign-in for a cookie token, else PendingGone."""
    if not token:
        raise PendingGone()
    found = session.exec(
        select(PendingSignIn, User)
        .join(User, col(User.id) == PendingSignIn.user_id)
        .where(PendingSignIn.token_hash == token_digest(token))
    ).first()
    if found is None:
        raise PendingGone()
    row, user = found
    if row.ended_at is not None or row.expires_at <= utcnow() or row.failures >= MAX_WRONG:
        raise PendingGone()
    if not user.active or user.password_hash is None:
        raise PendingGone()
    return Pending(row=row, user=user)


def throttled(
    session: Session,
    settings: Settings,
    *,
    user_id: int,
    address: str,
    check: Callable[[], Result],
    on_failure: Callable[[], None] = lambda: None,
) -> Result:
    """Run `check` under the second-factor throttle; a refusal (FactorProblem) is counted
    and committed before it is raised again. TooManyRequests while the wait lasts."""
    key, address, now = f"second-factor:{user_id}", address[:64], utcnow_exact()
    facts = throttle.read_facts(in_transaction(session), settings, key, address, now)
    if wait := facts.wait_seconds(settings, now):
        raise TooManyRequests(wait_message(wait))
    gated = facts.address_gated(settings)
    try:
        throttle.claim(session, email=key, address=address, now=now, whole_address=gated)
        result = check()
    except throttle.Busy as exc:  # another code for this account is being checked: no failure
        session.rollback()
        raise TooManyRequests(STILL_CHECKING) from exc
    except factor.FactorProblem:
        throttle.record_failure(
            session, settings=settings, facts=facts, email=key, address=address, now=now
        )
        on_failure()
        session.commit()
        raise
    throttle.record_success(session, email=key, address=address, now=now, whole_address=gated)
    return result


def check(
    session: Session,
    settings: Settings,
    *,
    token: str | None,
    address: str,
    code: str,
    confirm: bool,
) -> Pending:
    """Check a code for a pending sign-in; a wrong one also counts against this pending sign-in.

    Raises PendingGone, TooManyRequests or factor.FactorProblem.
    """
    found = find(session, token=token)
    user_id = row_id(found.user)

    def count_wrong() -> None:
        session.exec(
            update(PendingSignIn)
            .where(col(PendingSignIn.id) == found.row.id)
            .values(failures=col(PendingSignIn.failures) + 1)
        )

    throttled(
        session,
        settings,
        user_id=user_id,
        address=address,
        check=lambda: factor.check_code(
            session, settings, user_id=user_id, code=code, confirm=confirm
        ),
        on_failure=count_wrong,
    )
    return found


def end(session: Session, *, pending: Pending) -> None:
    """Use the pending sign-in up (no commit); PendingGone if another request used it first."""
    used = session.exec(
        update(PendingSignIn)
        .where(col(PendingSignIn.id) == pending.row.id, col(PendingSignIn.ended_at).is_(None))
        .values(ended_at=utcnow())
    ).rowcount
    if not used:
        raise PendingGone()


def end_all_of(session: Session, *, user_id: int) -> None:
    """End every pending sign-in of a person (their factor was reset); no commit."""
    session.exec(
        update(PendingSignIn)
        .where(col(PendingSignIn.user_id) == user_id, col(PendingSignIn.ended_at).is_(None))
        .values(ended_at=utcnow())
    )
