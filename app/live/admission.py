"""Who gets into a room: the expected headcount, the facilitator's approvals, sign in to vote.

One laptop must not be able to fill a room with phones of its own. A new phone is let in
automatically only while fewer than the facilitator's expected headcount are in; the
`UPDATE livesession SET admitted = admitted + 1 WHERE admitted < headcount` decides, and
because it is one conditional statement (a row lock on PostgreSQL, BEGIN IMMEDIATE on
SQLite), two phones racing for the last place can never both get it. Every phone after that
waits until the facilitator lets it in or turns it away. Limits are per session, never per
address, so a whole room behind one office NAT can join; per address only codes that match
no session are counted, which is what guessing codes looks like.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.db import conflict_insert
from app.errors import Conflict, Invalid, TooManyRequests
from app.live.facilitator import HEADCOUNT_MAX, owned_session
from app.live.stage import DENIED, IN, WAITING, admissions, ticket
from app.live.steps import Phase
from app.models import LiveJoin, LiveParticipant, LiveSession, row_id

MAX_WAITING = 100  # phones waiting for the facilitator at once, per session
MISS_LIMIT = 19  # codes matching no session, per address per MISS_WINDOW: the 20th is refused
# (high enough that a room of people mistyping behind one office address is not shut out;
# at 19 a minute, guessing one of 31^6 codes takes decades)
MISS_WINDOW = timedelta(minutes=1)
GUESSING = (
    "Too many codes that match no session were tried from your network in the last minute. "
    "Wait a minute, then type the code on the screen again."
)


def voter_key(secret: str, user_id: int) -> str:
    """HMAC(session's secret, user id): one person, one participant; unlinkable once the secret
    is gone."""
    return hmac.new(bytes.fromhex(secret), f"user:{user_id}".encode(), hashlib.sha256).hexdigest()


def refuse_guessing(session: Session, address: str) -> None:
    """429 once this address tried MISS_LIMIT codes that matched nothing within the window."""
    misses = session.exec(
        select(func.count())
        .select_from(LiveJoin)
        .where(LiveJoin.address == address[:64], col(LiveJoin.at) >= utcnow() - MISS_WINDOW)
    ).one()
    if misses >= MISS_LIMIT:
        raise TooManyRequests(GUESSING)


def record_miss(session: Session, address: str) -> None:
    """Count a code that matched no session against this address (in a transaction of its own)."""
    session.rollback()
    now = utcnow()
    session.exec(insert(LiveJoin).values(address=address[:64], at=now))
    session.exec(delete(LiveJoin).where(col(LiveJoin.at) < now - 10 * MISS_WINDOW))
    session.commit()


def admit(session: Session, *, session_id: int, digest: str, key: str | None) -> str:
    """Add a new phone (in, or waiting beyond the headcount); a person already in with another
    phone (same voter key) moves to this one. Returns the phone's state. The caller commits."""
    added = session.exec(
        conflict_insert(session, LiveParticipant)
        .values(session_id=session_id, token_hash=digest, voter_key=key, state=WAITING)
        .on_conflict_do_nothing(index_elements=["session_id", "voter_key"])
        .returning(col(LiveParticipant.id))  # rowcount is not reliable here on PostgreSQL
    ).first()
    if added is None:  # this person joined before: the new phone replaces the old one
        session.exec(
            update(LiveParticipant)
            .where(
                col(LiveParticipant.session_id) == session_id, col(LiveParticipant.voter_key) == key
            )
            .values(token_hash=digest)
        )
        return session.exec(
            select(LiveParticipant.state).where(LiveParticipant.token_hash == digest)
        ).one()
    place = session.exec(
        update(LiveSession)
        .where(
            col(LiveSession.id) == session_id,
            col(LiveSession.headcount).is_not(None),
            col(LiveSession.admitted) < col(LiveSession.headcount),
        )
        .values(admitted=LiveSession.admitted + 1)
        .execution_options(synchronize_session=False)
    )
    if place.rowcount == 1:
        _set_state(session, session_id, IN, participant_id=None, digest=digest)
        return IN
    if admissions(session, session_id).waiting > MAX_WAITING:
        session.rollback()
        raise TooManyRequests(
            "Too many phones are waiting for the facilitator already. "
            "Ask them to let people in, then tap Join again."
        )
    return WAITING


def set_headcount(session: Session, *, user: AnyUser, session_id: int, headcount: int) -> None:
    """Change the expected headcount; only in the lobby (conditional UPDATE, so a click that
    races the start changes nothing)."""
    live = owned_session(session, user=user, session_id=session_id)
    if not 1 <= headcount <= HEADCOUNT_MAX:
        raise Invalid(f"Expected people: enter a number from 1 to {HEADCOUNT_MAX}.")
    changed = session.exec(
        update(LiveSession)
        .where(
            col(LiveSession.id) == live.id,
            col(LiveSession.phase) == Phase.lobby.value,
            col(LiveSession.ended_at).is_(None),
        )
        .values(headcount=headcount)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        session.rollback()
        raise Invalid("The headcount can be changed only in the lobby, before the session starts.")
    session.commit()


def decide(
    session: Session, *, user: AnyUser, session_id: int, participant_id: int | None, let_in: bool
) -> int:
    """Let a waiting phone in or turn it away (None: every waiting phone); returns how many
    changed. A phone already decided on (a second click, another controller) is left alone."""
    live = owned_session(session, user=user, session_id=session_id)
    if live.ended_at is not None:
        raise Invalid("The session has ended.")
    changed = _set_state(
        session, row_id(live), IN if let_in else DENIED, participant_id=participant_id
    )
    if let_in and changed:
        session.exec(
            update(LiveSession)
            .where(col(LiveSession.id) == live.id)
            .values(admitted=LiveSession.admitted + changed)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    if participant_id is not None and not changed:
        raise Conflict("That phone was already let in or turned away.")
    return changed


TICKET = re.compile(r"^[0-9A-F]{4}$")  # ticket(): the first 4 hex digits of the phone's token hash


def normalise_ticket(raw: str) -> str:
    """What the facilitator typed, as the phone shows it: upper case, no spaces or dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def decide_ticket(
    session: Session, *, user: AnyUser, session_id: int, raw: str, let_in: bool
) -> str:
    """Let in or turn away the phone showing this ticket (waiting, or turned away before: a
    mistake undone). Returns the ticket. Every waiting phone can be reached this way, listed or
    not; one conditional UPDATE per press, so two windows pressing at once change it once."""
    live = owned_session(session, user=user, session_id=session_id)
    if live.ended_at is not None:
        raise Invalid("The session has ended.")
    shown = normalise_ticket(raw)
    if not TICKET.match(shown):
        said = "Type the 4 characters the phone shows, for example 3F9A."
        raise Invalid(said, fields={"ticket": said})
    states = (WAITING, DENIED) if let_in else (WAITING,)
    found = session.exec(
        select(LiveParticipant.id, LiveParticipant.state)
        .where(
            col(LiveParticipant.session_id) == live.id,
            col(LiveParticipant.token_hash).startswith(shown.lower()),
        )
        .order_by(col(LiveParticipant.id))
    ).all()
    # The oldest phone still to decide on, waiting ones first; a rare second phone with the
    # same 4 characters is reached by pressing again.
    ready = sorted((states.index(s), pid) for pid, s in found if s in states)
    if not ready:
        said = _nothing_to_do(shown, {s for _, s in found}, let_in=let_in)
        error = Conflict if found else Invalid
        raise error(said, fields={"ticket": said})
    rank, participant_id = ready[0]
    changed = session.exec(
        update(LiveParticipant)
        .where(
            col(LiveParticipant.id) == participant_id, col(LiveParticipant.state) == states[rank]
        )
        .values(state=IN if let_in else DENIED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:  # another window decided on it between the SELECT and this UPDATE
        session.rollback()
        said = f"Phone {shown} was already let in or turned away."
        raise Conflict(said, fields={"ticket": said})
    if let_in:
        session.exec(
            update(LiveSession)
            .where(col(LiveSession.id) == live.id)
            .values(admitted=LiveSession.admitted + 1)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return shown


def _nothing_to_do(shown: str, states: set[str], *, let_in: bool) -> str:
    if not states:
        return f"No phone in this session shows {shown}. Check the number on their phone."
    if IN in states:
        return f"Phone {shown} is already in."
    return f"Phone {shown} was already turned away." + ("" if let_in else " You can let it in.")


def _set_state(
    session: Session,
    session_id: int,
    state: str,
    *,
    participant_id: int | None,
    digest: str | None = None,
) -> int:
    """Move waiting phones of this session to `state`; only rows still waiting change."""
    statement = update(LiveParticipant).where(
        col(LiveParticipant.session_id) == session_id, col(LiveParticipant.state) == WAITING
    )
    if participant_id is not None:
        statement = statement.where(col(LiveParticipant.id) == participant_id)
    if digest is not None:
        statement = statement.where(col(LiveParticipant.token_hash) == digest)
    result = session.exec(
        statement.values(state=state).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


__all__ = ["DENIED", "IN", "WAITING", "ticket"]
