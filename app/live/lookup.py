"""Finding a session by its join code, with this browser's participant, in one small query.

Phones poll it every second, so the query is built once; a browser that is not in the
session is checked against the code-guessing throttle (app/live/admission.py).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case
from sqlmodel import Session, col
from sqlmodel.sql.expression import Select

from app.auth.lookup import AnyUser
from app.db import select_columns
from app.errors import NotFound
from app.live import admission
from app.live.steps import Step, step_of
from app.models import LiveParticipant, LiveSession, row_id
from app.security import CODE_ALPHABET, token_digest

UNKNOWN_CODE = "No group session uses that code. Check the code on the screen and try again."


def normalise_code(raw: str) -> str:
    """'abc-def ' -> 'ABCDEF'; whatever people type between the characters is dropped."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())[:12]


def is_code(code: str) -> bool:
    return len(code) == 6 and all(ch in CODE_ALPHABET for ch in code)


@dataclass(frozen=True)
class Found:
    """The columns of a session that polls and votes need, and this browser's participant id."""

    id: int
    version: int
    phase: str
    scenario_index: int
    scenario_ids: str
    module_id: str
    ended_at: datetime | None
    participant_id: int | None
    participant_state: str | None
    signin_to_vote: bool = False
    voter_secret: str | None = None
    voter_key: str | None = None

    @property
    def admitted(self) -> bool:
        return self.participant_state == admission.IN

    @property
    def step(self) -> Step:
        return step_of(self.phase, self.scenario_index)

    @property
    def open_scenario(self) -> str | None:
        """The scenario whose voting is open, if any."""
        step = self.step
        return self.scenario_ids.split(",")[step.index] if step.voting else None


def find(
    session: Session,
    code: str,
    token: str | None,
    *,
    address: str,
    user: AnyUser | None,
    lock: bool = False,
) -> Found:
    """The open session with this code (else the newest ended one), in one small query.

    A browser that is not in the session (so possibly guessing codes) is refused once its
    address has tried too many codes that match nothing; a joined phone's polls skip that.
    In a sign-in-to-vote session the phone is in only for the person who joined on it: once
    they sign out, or someone else signs in on it, it is a phone that has not joined.
    """
    if not is_code(code):
        raise NotFound(UNKNOWN_CODE)
    digest = token_digest(token) if token else ""
    query = _FIND_FOR_SHARE if lock else _FIND
    row = session.exec(query, params={"code": code, "digest": digest}).first()
    if row is None:
        admission.refuse_guessing(session, address)
        admission.record_miss(session, address)
        raise NotFound(UNKNOWN_CODE)
    found = Found(*row)
    if found.participant_id is not None and not _is_joiner(found, user):
        found = replace(found, participant_id=None, participant_state=None)
    if found.participant_id is None:
        admission.refuse_guessing(session, address)
    return found


def _is_joiner(found: Found, user: AnyUser | None) -> bool:
    """Whether the signed-in person is the one this phone joined as."""
    ended = found.ended_at is not None
    return joined_as(found.signin_to_vote, ended, found.voter_secret, found.voter_key, user)


def joined_as(
    signin_to_vote: bool,
    ended: bool,
    voter_secret: str | None,
    voter_key: str | None,
    user: AnyUser | None,
) -> bool:
    """Whether `user` may use a phone that joined with `voter_key`: always in open rooms, and
    once the session ended (its secret is gone, and an ended room takes no votes); in a
    sign-in-to-vote room only the person who joined on it. The room's event stream asks too."""
    if not signin_to_vote or ended:
        return True
    if user is None or voter_secret is None or voter_key is None:
        return False
    mine = admission.voter_key(voter_secret, row_id(user))
    return hmac.compare_digest(mine, voter_key)


def _find_query() -> Select[*tuple[Any, ...]]:
    """Built once: composing it per request cost more than running it (polls are hot)."""
    return (
        select_columns(
            col(LiveSession.id),
            col(LiveSession.version),
            col(LiveSession.phase),
            col(LiveSession.scenario_index),
            col(LiveSession.scenario_ids),
            col(LiveSession.module_id),
            col(LiveSession.ended_at),
            col(LiveParticipant.id),
            col(LiveParticipant.state),
            col(LiveSession.signin_to_vote),
            col(LiveSession.voter_secret),
            col(LiveParticipant.voter_key),
        )
        .outerjoin(
            LiveParticipant,
            (col(LiveParticipant.session_id) == LiveSession.id)
            & (col(LiveParticipant.token_hash) == bindparam("digest")),
        )
        .where(col(LiveSession.code) == bindparam("code"))
        .order_by(
            case((col(LiveSession.ended_at).is_(None), 0), else_=1),
            case((col(LiveParticipant.id).is_(None), 1), else_=0),
            col(LiveSession.id).desc(),
        )
        .limit(1)
    )


_FIND = _find_query()
# PostgreSQL: a vote holds a share lock on the session row, so a step change waits for votes
# in flight and a vote never lands after voting closed. SQLite's BEGIN IMMEDIATE does this.
_FIND_FOR_SHARE = _find_query().with_for_update(read=True, of=LiveSession)
