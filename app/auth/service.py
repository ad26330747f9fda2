"""Sign-in services: verify credentials with throttling, open and close sessions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.auth import pending, privacy_notice, throttle
from app.auth.lookup import AnyUser, LoginRow
from app.clock import utcnow, utcnow_exact
from app.config import Settings
from app.db import writer
from app.errors import TooManyRequests
from app.models import LoginSession, User, row_id
from app.security import hash_password, new_token, password_problem, token_digest, verify_password

Read = Callable[..., Awaitable[Any]]  # await read(fn, *args): fn(source, *args), reads only
Write = Callable[[Callable[[Session], Any]], Awaitable[Any]]  # await write(fn): committed
TURN_WAIT_SECONDS = 25  # a try waits this long at most for its pair's previous try
LOGIN_FAILED = "That email and password do not match an account. Check both and try again."
# When the pair stays held past TURN_WAIT_SECONDS: no failure need have happened, so the
# answer says so rather than the wait message's "too many failed sign-ins".
STILL_CHECKING = (
    "Another sign-in with this email is still being checked. Wait a moment, then try again."
)


class LoginFailed(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many failed sign-ins. Wait {seconds} {unit}, then try again, "
        "or ask your HR team to reset your password."
    )


HASHING_NICENESS = 19


def _lower_priority() -> None:
    """Hash at a lower CPU priority: on Linux a thread's nice value is its own (and the
    threads argon2 starts for its lanes inherit it), so requests go first when cores are busy."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


# Half the cores hash (at least one), at a lower priority, so sign-ins never starve pages
# and submissions of CPU (bench/NOTES.md: "quiz submit while 8 clients sign in").
_HASHING = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2),
    thread_name_prefix="allyship-hash",
    initializer=_lower_priority,
)


async def verify_off_loop(password: str, password_hash: str | None) -> bool:
    """argon2 on the hashing threads: never on the event loop or the routes' thread pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, verify_password, password, password_hash)


async def sign_in(
    read: Read,
    write: Write,
    settings: Settings,
    *,
    email: str,
    password: str,
    address: str,
    replace_token: str | None,
    target: str = "/",
) -> SignedIn:
    """The sign-in (or the second-factor step it still needs), or LoginFailed/TooManyRequests.

    No transaction is open while argon2 runs: the throttle is read first, the try claimed
    in one short write, the password checked, and the outcome stored in another short write.
    """
    email, address = normalise_email(email), address[:64]
    if not email:
        raise LoginFailed(LOGIN_FAILED)
    facts, gated = await _claim_turn(read, write, settings, email=email, address=address)
    ok = await verify_off_loop(password, facts.password_hash)
    now = utcnow_exact()
    if not ok or facts.user_id is None or not facts.active:
        outcome = partial(
            throttle.record_failure,
            settings=settings,
            facts=facts,
            email=email,
            address=address,
            now=now,
        )
        await write(outcome)
        raise LoginFailed(LOGIN_FAILED)
    user_id, role = facts.user_id, facts.role  # an int from here: checked just above

    def succeed(session: Session) -> SignedIn:
        throttle.record_success(session, email=email, address=address, now=now, whole_address=gated)
        if pending.needed(session, settings, user_id=user_id, role=role):
            token = pending.start(
                session, settings, user_id=user_id, address=address, target=target
            )
            return SignedIn(user_id, role, token, first_sign_in=False, pending=True)
        token, first = complete_sign_in(
            session, settings, user_id=user_id, address=address, replace_token=replace_token
        )
        return SignedIn(user_id, role, token, first_sign_in=first, pending=False)

    signed_in: SignedIn = await write(succeed)
    return signed_in


async def _claim_turn(
    read: Read, write: Write, settings: Settings, *, email: str, address: str
) -> tuple[throttle.Facts, bool]:
    """Wait while another try of this pair is being checked, then hold the pair for this one.

    Tries of one pair take turns rather than being refused, so one person's double click or
    parallel tabs all get in; each turn re-reads the throttle, so a guesser's queued tries
    meet the delays their predecessors earned (TooManyRequests).
    """
    pause, waited = 0.05, 0.0
    while True:
        facts: throttle.Facts = await read(
            throttle.read_facts, settings, email, address, utcnow_exact()
        )
        # The clock after the read: every time in `facts` was written before it. Read before,
        # a turn another try (another worker) claimed meanwhile, at its own later clock,
        # looked like a delay still to run, and a correct sign-in was told to wait 1 second.
        now = utcnow_exact()
        if wait := facts.wait_seconds(settings, now):
            raise TooManyRequests(wait_message(wait))
        gated = facts.address_gated(settings)
        claim = partial(throttle.claim, email=email, address=address, now=now, whole_address=gated)
        try:
            await write(claim)
            return facts, gated
        except throttle.Busy as exc:
            if waited >= TURN_WAIT_SECONDS:
                raise TooManyRequests(STILL_CHECKING) from exc
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.5)


@dataclass(frozen=True)
class SignedIn:
    """A good password: a session token, or (`pending`) a second-factor step's token."""

    user_id: int
    role: str
    token: str
    first_sign_in: bool
    pending: bool


def complete_sign_in(
    session: Session,
    settings: Settings,
    *,
    user_id: int,
    address: str | None,
    replace_token: str | None,
) -> tuple[str, bool]:
    """Sign-in complete: every factor it needs has passed; open the session (no commit).

    The one door to a signed-in session after a sign-in: the password (when no second
    factor is owed), the second-factor step (app/auth/factor_routes.py), and single sign-on,
    which relies on the identity provider's own factors. Returns (session token, whether
    this is the person's first sign-in, when the privacy page is shown).
    """
    token = new_token()
    add_session(
        session,
        settings,
        user_id=user_id,
        token=token,
        address=address,
        replace_token=replace_token,
    )
    first = privacy_notice.first_showing(session, user_id=user_id, now=utcnow_exact())
    return token, first


def add_session(
    session: Session,
    settings: Settings,
    *,
    user_id: int,
    token: str,
    address: str | None,
    replace_token: str | None,
) -> None:
    """Store a new sign-in (no commit) and end the one the browser had, if any."""
    if replace_token:
        close_session(session, token=replace_token, commit=False)
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=token_digest(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            address=address,
        )
    )


def open_session(
    session: Session, settings: Settings, *, user: AnyUser, replace_token: str | None
) -> str:
    """Start a fresh sign-in (new id) and end the one the browser had, if any."""
    token = new_token()
    add_session(
        session,
        settings,
        user_id=row_id(user),
        token=token,
        address=None,
        replace_token=replace_token,
    )
    session.commit()
    return token


TOUCH_EVERY = timedelta(minutes=1)


def needs_touch(login: LoginRow) -> bool:
    return login.last_seen_at <= utcnow() - TOUCH_EVERY


def touch_session(engine: Engine, login: LoginRow) -> None:
    """Move the idle deadline forward, at most once a minute, in its own short write.

    Its own transaction keeps a GET's reads off the write lock (SQLite) and keeps the
    one bookkeeping write of a page view apart from the request's data.
    """
    now = utcnow()
    if login.last_seen_at > now - TOUCH_EVERY:
        return
    with Session(writer(engine)) as session:
        session.execute(
            update(LoginSession)
            .where(
                col(LoginSession.id) == login.id,
                col(LoginSession.last_seen_at) <= now - TOUCH_EVERY,
            )
            .values(last_seen_at=now)
        )
        session.commit()


def end_sessions_of(session: Session, *, user_id: int) -> None:
    """Revoke every open sign-in of a person (deactivation, password change)."""
    session.execute(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def close_session(session: Session, *, token: str, commit: bool = True) -> None:
    login = session.exec(
        select(LoginSession).where(LoginSession.token_hash == token_digest(token))
    ).first()
    if login and not login.revoked_at:
        login.revoked_at = utcnow()
        session.add(login)
    if commit:
        session.commit()


def create_user(
    session: Session, *, email: str, name: str, role: str, password: str | None
) -> User:
    """Create an account; the password (if given) must pass the password rules."""
    if password is not None and (problem := password_problem(password, email=email, name=name)):
        raise ValueError(problem)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user
