"""Sign-in throttling: growing delays per (account, address) pair, never a lock-out.

Threat model. Passwords are checked with argon2 and must score 3 or more on zxcvbn
(app/security.py), so an online guesser needs on the order of 10^6 to 10^8 tries per
account. What we slow down, and what we must never do while slowing it:

- *Guessing one account from one address*: after `login_free_tries` failures in a row for
  an (e-mail, address) pair, the next try must wait 1, 2, 4 ... seconds, at most
  `login_longest_wait_seconds` (about 120 guesses an hour per address at the cap). The pair
  is keyed by the e-mail as typed, so tries on unknown e-mails only slow that e-mail.
- *Guessing one account from many addresses* (a botnet): every new address gets one free
  try and then the same growing delays once the account has `login_account_pressure`
  failures in the window. We do not lock the account: a lock-out is a denial of service
  anyone can aim at anyone, and the owner at a fresh address (home, phone) always gets in
  at once; from a shared address that is being hammered they may wait up to the cap.
- *One address trying many accounts* (password spraying, or a whole office behind one
  NAT, or every user at once when the app is behind a proxy it does not trust): once an
  address has `login_address_pressure` failures in the window, sign-ins from it to an
  account that never signed in from there wait 1, 2, 4 ... seconds (growing with every
  10 further failures) between one another. People who signed in from that address before
  are never slowed by it, so the office is slowed, not locked out; only first sign-ins
  from it compete with the attacker.
- *Racing*: the throttle is read outside any transaction (so no write lock is held while
  argon2 runs), but each try first holds its pair with one conditional UPDATE (due, and
  not held by another try), so parallel requests cannot run more guesses than the delays
  allow; a try that finds the pair held waits its turn (app/auth/service.py), then meets
  the delays the earlier tries earned. A hold ends with the try's outcome, or after HOLD
  if the worker died meanwhile. Only recorded failures make a delay, and a try reads its
  clock after the throttle, so a turn another try claimed at that moment is never
  answered with "too many failed sign-ins".
- *Leaks*: the same rules apply to unknown e-mails, so the answers say nothing about
  which accounts exist. Rows older than a day are pruned as failures are recorded.

The client address is `request.client.host`: behind a proxy it is only the person's own
address when uvicorn trusts the proxy (ALLYSHIP_TRUSTED_PROXIES; `allyship check-deploy`
warns when it sees X-Forwarded-For from a peer it does not trust).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, or_, update
from sqlmodel import Session, col

from app.config import Settings
from app.db import Held, RawQuery, bind_values, conflict_insert, fetch_all, fetch_one, utc
from app.models import LoginFailure, LoginThrottle

WHOLE_ADDRESS = ""  # the e-mail of an address's own row (sign-in refuses an empty e-mail)
HOLD = timedelta(seconds=15)  # a claimed try's answer is written well before this
KEEP = timedelta(days=1)
ADDRESS_STEP = 10  # the address wait doubles with every this many further failures


class Busy(Exception):
    """Another try for this pair (or address) is being checked right now."""


def pair_wait(failures: int, *, free_tries: int, longest: int) -> int:
    """Seconds before the next try after `failures` failures in a row: 0, then 1, 2, 4 ..."""
    if failures < free_tries:
        return 0
    return min(1 << min(failures - free_tries, 30), longest)


def address_wait(failures: int, *, pressure: int, longest: int) -> int:
    """Seconds between first sign-ins from an address with `failures` recent failures."""
    if failures < pressure:
        return 0
    return min(1 << min((failures - pressure) // ADDRESS_STEP, 30), longest)


@dataclass(frozen=True)
class Facts:
    """What a sign-in needs to know, read before any write (and before hashing)."""

    user_id: int | None
    password_hash: str | None
    active: bool
    role: str  # where the sign-in lands (app/auth/landing.py)
    pair_failures: int  # failures in a row for this (e-mail, address), within the window
    pair_next_try_at: datetime | None
    account_failures: int  # on this e-mail, from any address, within the window
    address_failures: int  # from this address, on any e-mail, within the window
    address_next_try_at: datetime | None
    known_pair: bool  # this person has signed in from this address before

    def address_gated(self, settings: Settings) -> bool:
        return self.address_failures >= settings.login_address_pressure and not self.known_pair

    def wait_seconds(self, settings: Settings, now: datetime) -> int:
        """0 to go ahead, else how many seconds to wait before trying again.

        Only failures make a wait: a pair without recorded failures may still have a next
        try ahead, when another try claimed the pair (its row starts at the claimer's
        clock). That try is not a delay but a turn: the claim finds the pair held (Busy)
        and this try waits its turn (app/auth/service.py).
        """
        until = [self.pair_next_try_at] if self.pair_failures else []
        if self.address_gated(settings):
            until.append(self.address_next_try_at)
        longest = max(((t - now).total_seconds() for t in until if t is not None), default=0.0)
        return math.ceil(longest) if longest > 0 else 0


_USER = RawQuery.of('SELECT id, password_hash, active, role FROM "user" WHERE email = :email')
_ROWS = RawQuery.of(
    "SELECT email, failures, last_failure_at, next_try_at FROM loginthrottle"
    " WHERE address = :address AND email IN (:email, :whole)"
)
_COUNTS = RawQuery.of(
    "SELECT (SELECT count(*) FROM loginfailure WHERE email = :email AND at >= :since),"
    " (SELECT count(*) FROM loginfailure WHERE address = :address AND at >= :since)"
)
_KNOWN = RawQuery.of(
    "SELECT 1 FROM loginsession WHERE user_id = :user_id AND address = :address LIMIT 1"
)


def read_facts(source: Held, settings: Settings, email: str, address: str, now: datetime) -> Facts:
    """Indexed reads only: safe on the event loop's read connection, never a write lock."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    bound = bind_values(LoginFailure, source, {"at": since})["at"]
    user = fetch_one(source, _USER, {"email": email})
    rows = {
        row[0]: (int(row[1]), utc(row[2]), utc(row[3]))
        for row in fetch_all(
            source, _ROWS, {"address": address, "email": email, "whole": WHOLE_ADDRESS}
        )
    }
    counts = fetch_one(source, _COUNTS, {"email": email, "address": address, "since": bound})
    account_failures, address_failures = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    pair_failures, last_failure, pair_next = rows.get(email, (0, None, None))
    if last_failure is None or last_failure < since:
        pair_failures = 0
    known = False
    if user is not None and address_failures >= settings.login_address_pressure:
        known = fetch_one(source, _KNOWN, {"user_id": user[0], "address": address}) is not None
    return Facts(
        user_id=int(user[0]) if user else None,
        password_hash=user[1] if user else None,
        active=bool(user[2]) if user else False,
        role=str(user[3]) if user else "",
        pair_failures=pair_failures,
        pair_next_try_at=pair_next,
        account_failures=account_failures,
        address_failures=address_failures,
        address_next_try_at=rows.get(WHOLE_ADDRESS, (0, None, None))[2],
        known_pair=known,
    )


def _take(session: Session, *, email: str, address: str, now: datetime) -> bool:
    """Hold the row for one try if it is due and not held (or create it held); else False."""
    free = or_(col(LoginThrottle.held_until).is_(None), col(LoginThrottle.held_until) <= now)
    taken = session.exec(
        update(LoginThrottle)
        .where(*_row(email, address), col(LoginThrottle.next_try_at) <= now, free)
        .values(held_until=now + HOLD)
    ).rowcount
    if taken:
        return True
    return _create(session, email=email, address=address, next_try_at=now, held=now + HOLD)


def _create(
    session: Session, *, email: str, address: str, next_try_at: datetime, held: datetime | None
) -> bool:
    """Insert the row unless it exists; True if this call made it."""
    created = session.execute(  # RETURNING: an ORM-run INSERT reports no rowcount on psycopg
        conflict_insert(session, LoginThrottle)
        .values(email=email, address=address, failures=0, next_try_at=next_try_at, held_until=held)
        .on_conflict_do_nothing(index_elements=["email", "address"])
        .returning(col(LoginThrottle.id))
    ).first()
    return created is not None


def _row(email: str, address: str) -> tuple[Any, Any]:
    return col(LoginThrottle.email) == email, col(LoginThrottle.address) == address


def _release(session: Session, *, email: str, address: str, next_try_at: datetime) -> None:
    """End the hold and set when the next try may come (creating the row if need be)."""
    if session.exec(
        update(LoginThrottle)
        .where(*_row(email, address))
        .values(next_try_at=next_try_at, held_until=None)
    ).rowcount:
        return
    _create(session, email=email, address=address, next_try_at=next_try_at, held=None)


def claim(
    session: Session, *, email: str, address: str, now: datetime, whole_address: bool
) -> None:
    """Claim this try (one at a time per pair, and per gated address); Busy if taken."""
    if not _take(session, email=email, address=address, now=now):
        raise Busy()
    if whole_address and not _take(session, email=WHOLE_ADDRESS, address=address, now=now):
        raise Busy()  # the writer rolls back this write's savepoint, so the pair is free again


def record_failure(
    session: Session, *, settings: Settings, facts: Facts, email: str, address: str, now: datetime
) -> None:
    """The failure row, the pair's next try, the address's next first sign-in; prune old rows."""
    since = now - timedelta(minutes=settings.login_window_minutes)
    # Counted in the row itself, not from `facts`: tries of one pair may have queued behind
    # one another since their facts were read.
    failures = session.execute(
        update(LoginThrottle)
        .where(*_row(email, address))
        .values(
            failures=case(
                (col(LoginThrottle.last_failure_at) >= since, col(LoginThrottle.failures) + 1),
                else_=1,
            ),
            last_failure_at=now,
        )
        .returning(col(LoginThrottle.failures))
    ).scalar_one_or_none()
    if failures is None:  # a success elsewhere removed the row meanwhile
        failures = 1
        _create(session, email=email, address=address, next_try_at=now, held=None)
        session.exec(
            update(LoginThrottle)
            .where(*_row(email, address))
            .values(failures=1, last_failure_at=now)
        )
    under_pressure = facts.account_failures + 1 >= settings.login_account_pressure
    free = 1 if under_pressure else settings.login_free_tries
    wait = pair_wait(failures, free_tries=free, longest=settings.login_longest_wait_seconds)
    _release(session, email=email, address=address, next_try_at=now + timedelta(seconds=wait))
    gap = address_wait(
        facts.address_failures + 1,
        pressure=settings.login_address_pressure,
        longest=settings.login_longest_wait_seconds,
    )
    if gap or facts.address_gated(settings):
        _release(
            session, email=WHOLE_ADDRESS, address=address, next_try_at=now + timedelta(seconds=gap)
        )
    session.add(LoginFailure(email=email, address=address, at=now))
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) < now - KEEP))
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.next_try_at) < now - KEEP))


def record_success(
    session: Session, *, email: str, address: str, now: datetime, whole_address: bool
) -> None:
    """A success clears the pair's failures and frees the address for the next first sign-in."""
    session.exec(delete(LoginThrottle).where(*_row(email, address)))
    if whole_address:
        session.exec(
            update(LoginThrottle)
            .where(*_row(WHOLE_ADDRESS, address))
            .values(next_try_at=now, held_until=None)
        )
