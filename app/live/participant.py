"""Participant services: join with a code, follow the current step, vote, write a commitment.

A participant is a random cookie token whose SHA-256 is stored; votes hang off that row only.
Who is let in, and the throttling of code guessing, is app/live/admission.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel, select

from app.auth.lookup import AnyUser
from app.content.catalog import Catalog
from app.db import conflict_insert
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.lasting import commitments
from app.lasting.commitments import Plan
from app.live import admission, auto, open_answers_store
from app.live.lookup import UNKNOWN_CODE, find, is_code, normalise_code
from app.live.stage import Stage, Unchanged, build_stage, current_step, module_of, votes_on
from app.live.steps import Phase
from app.models import LiveAttendance, LiveSession, LiveVote, row_id
from app.security import new_token, token_digest

COOKIE = "allyship_live"
COOKIE_PATH = "/j"
COOKIE_HOURS = 12
__all__ = ["UNKNOWN_CODE", "is_code", "normalise_code"]  # the routes use them through room


class SessionEnded(DomainError):
    status_code = 410


class VoteRefused(Conflict):
    """A vote for a scenario whose voting is not open."""


class NotAdmitted(Conflict):
    """The phone waits for the facilitator (or was turned away): it cannot vote or write."""


class SignInToVote(Forbidden):
    """The session counts one vote per person, so joining needs a signed-in account."""


@dataclass(frozen=True)
class Invitation:
    """The code is open but this browser has not joined yet."""

    live: LiveSession
    module_title: str


@dataclass(frozen=True)
class Waiting:
    """This phone joined beyond the expected headcount: it waits for the facilitator (or was
    turned away)."""

    live: LiveSession
    module_title: str
    ticket: str
    state: str
    etag: str

    @property
    def denied(self) -> bool:
        return self.state == admission.DENIED


@dataclass(frozen=True)
class RoomView:
    stage: Stage
    participant_id: int
    my_choice: str | None
    commitment: Plan | None  # the signed-in person's own plan for the module (wrap-up, end)
    etag: str
    sent: int = 0  # answers this phone sent to the open prompt (app/live/open_answers.py)

    part_max: int = commitments.PART_MAX  # each half of the plan, said by the boxes

    @property
    def commitment_text(self) -> str:
        """The plan as one sentence: the starting text of the wall's anonymous copy."""
        plan = self.commitment
        return f"If {plan.situation}, then I will {plan.action}." if plan else ""


def room_etag(session_id: int, version: int, participant_id: int | str, state: str = "in") -> str:
    return f'"r{session_id}-{version}-{participant_id}-{state}"'


def enter(
    session: Session,
    catalog: Catalog,
    *,
    code: str,
    token: str | None,
    user: AnyUser | None,
    address: str,
    known_etag: str = "",
) -> RoomView | Unchanged | Invitation | Waiting:
    """What this browser sees at /j/{code}: its room, 'unchanged', the invitation to join, or
    the wait for the facilitator."""
    found = find(session, normalise_code(code), token, address=address, user=user)
    if found.participant_id is None:
        if found.ended_at is not None:
            raise SessionEnded("This group session has ended. Thank you for taking part.")
        live = session.get_one(LiveSession, found.id)
        return Invitation(live, module_of(catalog, live).title)
    state = found.participant_state or admission.IN
    etag = room_etag(found.id, found.version, found.participant_id, state)
    if known_etag == etag:
        return Unchanged(etag)
    live = session.get_one(LiveSession, found.id)
    if not found.admitted:
        title = module_of(catalog, live).title
        return Waiting(live, title, admission.ticket(token_digest(token or "")), state, etag)
    stage = build_stage(session, catalog, live, 0, 0)
    return RoomView(
        stage=stage,
        participant_id=found.participant_id,
        my_choice=_my_choice(session, live, found.participant_id),
        commitment=_commitment_of(session, user, live.module_id, stage),
        etag=etag,
        sent=open_answers_store.sent_by(session, stage.prompt, token_digest(token or "")),
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


def _commitment_of(
    session: Session, user: AnyUser | None, module_id: str, stage: Stage
) -> Plan | None:
    if user is None or stage.step.phase not in (Phase.wrapup, Phase.ended):
        return None
    row = commitments.own_commitment(session, user_id=row_id(user), module_id=module_id)
    return Plan(row.situation, row.action) if row else None


def join(
    session: Session,
    *,
    code: str,
    token: str | None,
    user: AnyUser | None,
    record_attendance: bool,
    address: str,
) -> str:
    """Join (or rejoin) the session; returns the participant token for the cookie.

    A phone that joined before keeps its place. A new phone is let in while fewer than the
    expected headcount are in, else it waits for the facilitator. In a sign-in-to-vote session
    a person is one participant, whichever phone they use.
    """
    found = find(session, normalise_code(code), token, address=address, user=user)
    if found.ended_at is not None:
        raise SessionEnded("This group session has ended, so it cannot be joined.")
    if found.participant_id is None:
        key = _voter_key(session, found.id, user)
        token = new_token()
        admission.admit(session, session_id=found.id, digest=token_digest(token), key=key)
    if user is not None and record_attendance:
        _upsert(
            session,
            LiveAttendance,
            # A random id, so the order of attendance rows says nothing about whose phone
            # (participant row) joined when.
            {"id": secrets.randbelow(2**31 - 2) + 1, "session_id": found.id, "user_id": user.id},
            keys=["session_id", "user_id"],
            update=[],
        )
    session.commit()
    assert token is not None
    return token


def _voter_key(session: Session, session_id: int, user: AnyUser | None) -> str | None:
    """The keyed hash of the signed-in person in a sign-in-to-vote session, else None."""
    live = session.get_one(LiveSession, session_id)
    if not live.signin_to_vote:
        return None
    if user is None:
        raise SignInToVote(
            "This session counts one vote per person, so sign in to join. "
            "Your votes stay anonymous: nobody can see how you voted."
        )
    if live.voter_secret is None:
        raise SessionEnded("This group session has closed, so it cannot be joined.")
    return admission.voter_key(live.voter_secret, row_id(user))


def cast_vote(
    session: Session,
    catalog: Catalog,
    *,
    code: str,
    token: str | None,
    scenario_id: str,
    choice_id: str,
    address: str,
    user: AnyUser | None,
) -> RoomView:
    """Record or change this participant's vote (refused, nothing stored, unless it is open)."""
    found = find(session, normalise_code(code), token, address=address, user=user, lock=True)
    if found.participant_id is None:
        raise NotFound("Join the session before voting.")
    if not found.admitted:
        raise NotAdmitted(
            "The facilitator has not let this phone in, so your vote was not recorded."
        )
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
    auto.reveal_if_due(session, live, votes_on(session, found.id, scenario_id))
    return RoomView(stage, found.participant_id, choice_id, None, etag)


def save_commitment(
    session: Session,
    *,
    code: str,
    token: str | None,
    user: AnyUser | None,
    situation: str,
    action: str,
    address: str,
) -> tuple[Plan, bool]:
    """Make the commitment the signed-in person's plan for the module, on My commitments with
    its 30-day check-in (app/lasting). Returns the plan, and False (not stored) when nobody
    is signed in."""
    found = find(session, normalise_code(code), token, address=address, user=user)
    if found.participant_id is None:
        raise NotFound("Join the session first.")
    if not found.admitted:
        raise NotAdmitted("The facilitator has not let this phone in, so nothing was saved.")
    if found.step.phase not in (Phase.wrapup, Phase.ended):
        raise Conflict("Commitments are written at the wrap-up.")
    plan = commitments.checked_plan(situation, action)
    if user is None:
        return plan, False
    commitments.save(session, user_id=row_id(user), module_id=found.module_id, plan=plan)
    return plan, True


def _upsert(
    session: Session,
    model: type[SQLModel],
    values: dict[str, Any],
    *,
    keys: list[str],
    update: list[str],
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE (or DO NOTHING): atomic on SQLite and PostgreSQL."""
    statement = conflict_insert(session, model).values(**values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.exec(statement)
