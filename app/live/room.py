"""Participant services: join with a code, follow the current step, vote, write a commitment.

A participant is a random cookie token whose SHA-256 is stored; votes hang off that row only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import Select

from app.clock import utcnow
from app.content.catalog import Catalog
from app.errors import Conflict, DomainError, Invalid, NotFound, TooManyRequests
from app.hr.dbutil import select_columns
from app.live.stage import Stage, Unchanged, build_stage, current_step, module_of
from app.live.steps import Phase, Step, step_of
from app.models import (
    LiveAttendance,
    LiveCommitment,
    LiveJoin,
    LiveParticipant,
    LiveSession,
    LiveVote,
    User,
)
from app.security import CODE_ALPHABET, new_token, token_digest

COOKIE = "allyship_live"
COOKIE_PATH = "/j"
COOKIE_HOURS = 12
JOIN_LIMIT = 60  # new participants per address per JOIN_WINDOW; rejoins are free
JOIN_WINDOW = timedelta(minutes=1)
COMMITMENT_MAX = 1000
UNKNOWN_CODE = "No group session uses that code. Check the code on the screen and try again."


class SessionEnded(DomainError):
    status_code = 410


class VoteRefused(Conflict):
    """A vote for a scenario whose voting is not open."""


@dataclass(frozen=True)
class Invitation:
    """The code is open but this browser has not joined yet."""

    live: LiveSession
    module_title: str


@dataclass(frozen=True)
class RoomView:
    stage: Stage
    participant_id: int
    my_choice: str | None
    commitment: str | None
    etag: str


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

    @property
    def step(self) -> Step:
        return step_of(self.phase, self.scenario_index)

    @property
    def open_scenario(self) -> str | None:
        """The scenario whose voting is open, if any."""
        step = self.step
        return self.scenario_ids.split(",")[step.index] if step.phase is Phase.vote else None


def _find(session: Session, code: str, token: str | None, *, lock: bool = False) -> Found:
    """The open session with this code (else the newest ended one), in one small query."""
    if not is_code(code):
        raise NotFound(UNKNOWN_CODE)
    digest = token_digest(token) if token else ""
    query = _FIND_FOR_SHARE if lock else _FIND
    row = session.exec(query, params={"code": code, "digest": digest}).first()
    if row is None:
        raise NotFound(UNKNOWN_CODE)
    return Found(*row)


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


def room_etag(session_id: int, version: int, participant_id: int) -> str:
    return f'"r{session_id}-{version}-{participant_id}"'


def enter(
    session: Session,
    catalog: Catalog,
    *,
    code: str,
    token: str | None,
    user: User | None,
    known_etag: str = "",
) -> RoomView | Unchanged | Invitation:
    """What this browser sees at /j/{code}: its room, 'unchanged', or the invitation to join."""
    found = _find(session, normalise_code(code), token)
    if found.participant_id is None:
        if found.ended_at is not None:
            raise SessionEnded("This group session has ended. Thank you for taking part.")
        live = session.get_one(LiveSession, found.id)
        return Invitation(live, module_of(catalog, live).title)
    etag = room_etag(found.id, found.version, found.participant_id)
    if known_etag == etag:
        return Unchanged(etag)
    live = session.get_one(LiveSession, found.id)
    stage = build_stage(session, catalog, live, 0, 0)
    return RoomView(
        stage=stage,
        participant_id=found.participant_id,
        my_choice=_my_choice(session, live, found.participant_id),
        commitment=_commitment_of(session, user, live.module_id, stage),
        etag=room_etag(live.id or 0, live.version, found.participant_id),
    )


def _my_choice(session: Session, live: LiveSession, participant_id: int) -> str | None:
    step = current_step(live)
    if not step.in_scenario:
        return None
    return session.exec(
        select(LiveVote.choice_id).where(
            LiveVote.session_id == live.id,
            LiveVote.scenario_id == live.scenario_list[step.index],
            LiveVote.participant_id == participant_id,
        )
    ).first()


def _commitment_of(session: Session, user: User | None, module_id: str, stage: Stage) -> str | None:
    if user is None or stage.step.phase not in (Phase.wrapup, Phase.ended):
        return None
    return session.exec(
        select(LiveCommitment.text).where(
            LiveCommitment.user_id == user.id, LiveCommitment.module_id == module_id
        )
    ).first()


def join(
    session: Session,
    *,
    code: str,
    token: str | None,
    user: User | None,
    record_attendance: bool,
    address: str,
) -> str:
    """Join (or rejoin) the session; returns the participant token for the cookie."""
    found = _find(session, normalise_code(code), token)
    if found.ended_at is not None:
        raise SessionEnded("This group session has ended, so it cannot be joined.")
    if found.participant_id is None:
        now = utcnow()
        recent = session.exec(
            select(func.count())
            .select_from(LiveJoin)
            .where(LiveJoin.address == address[:64], col(LiveJoin.at) >= now - JOIN_WINDOW)
        ).one()
        if recent >= JOIN_LIMIT:
            raise TooManyRequests(
                "Many people have just joined from your network. Wait a minute, then tap Join again."
            )
        token = new_token()
        session.add(LiveParticipant(session_id=found.id, token_hash=token_digest(token)))
        session.add(LiveJoin(address=address[:64], at=now))
        session.exec(delete(LiveJoin).where(col(LiveJoin.at) < now - 10 * JOIN_WINDOW))
    if user is not None and record_attendance:
        _upsert(
            session,
            LiveAttendance,
            {"session_id": found.id, "user_id": user.id},
            keys=["session_id", "user_id"],
            update=[],
        )
    session.commit()
    assert token is not None
    return token


def cast_vote(
    session: Session,
    catalog: Catalog,
    *,
    code: str,
    token: str | None,
    scenario_id: str,
    choice_id: str,
) -> RoomView:
    """Record or change this participant's vote (refused, nothing stored, unless it is open)."""
    found = _find(session, normalise_code(code), token, lock=True)
    if found.participant_id is None:
        raise NotFound("Join the session before voting.")
    if found.open_scenario != scenario_id:
        raise VoteRefused("Voting on that scenario is not open, so your vote was not recorded.")
    module = catalog.get(found.module_id)
    scenario = module.quiz.scenario(scenario_id) if module else None
    if scenario is None or scenario.choice(choice_id) is None:
        raise Invalid("That is not one of this scenario's choices, so nothing was recorded.")
    _upsert(
        session,
        LiveVote,
        {
            "session_id": found.id,
            "scenario_id": scenario_id,
            "participant_id": found.participant_id,
            "choice_id": choice_id,
        },
        keys=["session_id", "scenario_id", "participant_id"],
        update=["choice_id"],
    )
    live = session.get_one(LiveSession, found.id)
    stage = build_stage(session, catalog, live, 0, 0)
    etag = room_etag(found.id, found.version, found.participant_id)
    session.commit()
    return RoomView(stage, found.participant_id, choice_id, None, etag)


def save_commitment(
    session: Session, *, code: str, token: str | None, user: User | None, text: str
) -> bool:
    """Save the commitment to the signed-in author's own record; False (not stored) when anonymous."""
    found = _find(session, normalise_code(code), token)
    if found.participant_id is None:
        raise NotFound("Join the session first.")
    if found.step.phase not in (Phase.wrapup, Phase.ended):
        raise Conflict("Commitments are written at the wrap-up.")
    text = text.strip()[:COMMITMENT_MAX]
    if not text:
        raise Invalid("Write your if-then commitment first.")
    if user is None:
        return False
    values = {
        "user_id": user.id,
        "module_id": found.module_id,
        "text": text,
        "updated_at": utcnow(),
    }
    _upsert(
        session,
        LiveCommitment,
        values,
        keys=["user_id", "module_id"],
        update=["text", "updated_at"],
    )
    session.commit()
    return True


@dataclass(frozen=True)
class Commitment:
    module_title: str
    text: str
    updated_at: datetime


def my_commitments(session: Session, catalog: Catalog, *, user: User) -> list[Commitment]:
    """The signed-in person's own commitments, in course order."""
    rows = session.exec(select(LiveCommitment).where(LiveCommitment.user_id == user.id)).all()
    order = {m.id: m.order for m in catalog.modules}
    rows = sorted(rows, key=lambda r: order.get(r.module_id, 999))
    return [
        Commitment(
            m.title if (m := catalog.get(r.module_id)) else r.module_id, r.text, r.updated_at
        )
        for r in rows
    ]


def _upsert(
    session: Session,
    model: type[SQLModel],
    values: dict[str, Any],
    *,
    keys: list[str],
    update: list[str],
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE (or DO NOTHING): atomic on SQLite and PostgreSQL."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(**values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.exec(statement)
