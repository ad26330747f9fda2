"""Facilitator services: set up a session, drive its steps, and credit attendees at the end.

Every step change is one conditional UPDATE on the version (app/live/moves.py), so two
controllers (laptop and remote, or two workers) can never apply the same click twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.lookup import AnyUser
from app.clock import utcnow
from app.config import Settings
from app.content.catalog import Catalog
from app.content.schema import Module
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.learning import progress
from app.live import auto, steps
from app.live import open_answers_store as answers
from app.live.moves import StepMoved, bump, write_move
from app.live.stage import (
    IN,
    Admissions,
    Stage,
    Unchanged,
    build_stage,
    counts,
    current_step,
    module_of,
    waiting_phones,
)
from app.models import LiveAttendance, LiveParticipant, LivePrompt, LiveSession, User, row_id
from app.security import random_code

HEADCOUNT_MAX = 1000
SECRET_HOURS = 12  # as long as a phone's cookie lasts
CODE_LENGTH = 6
CODE_TRIES = 20
COUNTDOWN_MINUTES = (1, 2, 3, 5, 10)
VIA = "group-session"
__all__ = ["StepMoved"]  # the routes catch it from here


class HeadcountInvalid(Invalid):
    """The expected headcount is not a number the form accepts."""


@dataclass(frozen=True)
class SessionRow:
    live: LiveSession
    module_title: str
    participants: int


def default_scenarios(module: Module) -> list[str]:
    """The facilitator notes' vote_scenarios, else every scenario of the quiz."""
    notes = module.quiz.facilitator
    return list(notes.vote_scenarios) if notes else [s.id for s in module.quiz.scenarios]


def setup_module(catalog: Catalog, *, module_id: str) -> Module:
    """The module a new session would use (NotFound for an unknown id)."""
    module = catalog.get(module_id)
    if module is None:
        raise NotFound("There is no module with that id.")
    return module


def create_session(
    session: Session,
    catalog: Catalog,
    *,
    facilitator: AnyUser,
    module_id: str,
    scenario_ids: list[str],
    headcount: int | None = None,
    signin_to_vote: bool = False,
    auto_reveal: bool = False,
) -> LiveSession:
    """Open a session in the lobby with a join code unique among open sessions.

    Without a headcount every phone waits for the facilitator; with one, phones beyond it do.
    Auto-reveal (results show once everyone expected voted) needs the headcount.
    Sign in to vote gets a per-session secret for the voters' keyed hashes (see models.live).
    """
    module = setup_module(catalog, module_id=module_id)
    wanted = set(scenario_ids)
    chosen = [s.id for s in module.quiz.scenarios if s.id in wanted]
    if not chosen or len(chosen) != len(wanted):
        raise Invalid("Choose at least one of this module's scenarios.")
    if headcount is not None and not 1 <= headcount <= HEADCOUNT_MAX:
        raise HeadcountInvalid(f"Expected people: enter a number from 1 to {HEADCOUNT_MAX}.")
    forget_stale_secrets(session)
    for _ in range(CODE_TRIES):
        live = LiveSession(
            code=random_code(CODE_LENGTH),
            module_id=module.id,
            quiz_hash=module.quiz.content_hash,
            facilitator_id=row_id(facilitator),
            scenario_ids=",".join(chosen),
            headcount=headcount,
            signin_to_vote=signin_to_vote,
            auto_reveal=auto_reveal and headcount is not None,
            voter_secret=secrets.token_hex(32) if signin_to_vote else None,
        )
        try:
            with session.begin_nested():
                session.add(live)
        except IntegrityError:
            continue  # the code is in use by another open session
        session.commit()
        return live
    raise Conflict("Could not find a free join code. Please try again.")


def forget_stale_secrets(session: Session) -> None:
    """Destroy the voter secrets of sessions left open past the phones' cookies (nobody can
    vote in them any more), so a session nobody ended cannot be linked to accounts forever."""
    session.exec(
        update(LiveSession)
        .where(
            col(LiveSession.voter_secret).is_not(None),
            col(LiveSession.created_at) < utcnow() - timedelta(hours=SECRET_HOURS),
        )
        .values(voter_secret=None)
        .execution_options(synchronize_session=False)
    )


def owned_session(session: Session, *, user: AnyUser, session_id: int) -> LiveSession:
    """The session if this user runs it (admins may run any)."""
    live = session.get(LiveSession, session_id)
    if live is None:
        raise NotFound("There is no such group session.")
    if live.facilitator_id != user.id and user.role != "admin":
        raise Forbidden("Only the facilitator who set up this session can run it.")
    return live


def list_sessions(session: Session, catalog: Catalog, *, user: AnyUser) -> list[SessionRow]:
    """The user's sessions, newest first, with how many joined (admins see everyone's)."""
    joined = (
        select(LiveParticipant.session_id, func.count().label("n"))
        .where(LiveParticipant.state == IN)
        .group_by(col(LiveParticipant.session_id))
        .subquery()
    )
    query = (
        select(LiveSession, func.coalesce(joined.c.n, 0))
        .outerjoin(joined, joined.c.session_id == LiveSession.id)
        .order_by(col(LiveSession.id).desc())
        .limit(200)
    )
    if user.role != "admin":
        query = query.where(LiveSession.facilitator_id == user.id)
    return [
        SessionRow(live, m.title if (m := catalog.get(live.module_id)) else live.module_id, n)
        for live, n in session.exec(query).all()
    ]


def session_stage(session: Session, catalog: Catalog, *, user: AnyUser, session_id: int) -> Stage:
    """The current step with its counts and waiting phones, for the facilitator's pages."""
    live = owned_session(session, user=user, session_id=session_id)
    joined, voted = counts(session, live)
    if auto.reveal_if_due(session, live, voted):
        joined, voted = counts(session, live)
    return _facilitator_stage(session, catalog, live, joined, voted)


def _facilitator_stage(
    session: Session, catalog: Catalog, live: LiveSession, joined: Admissions, voted: int
) -> Stage:
    stage = build_stage(session, catalog, live, joined.admitted, voted)
    waiting = tuple(waiting_phones(session, row_id(live))) if joined.waiting else ()
    shown = answers.panel(session, stage.prompt)
    return replace(stage, admissions=joined, waiting=waiting, answers=shown)


def control_stage(
    session: Session, catalog: Catalog, *, user: AnyUser, session_id: int, known_etag: str = ""
) -> Stage | Unchanged:
    """The presenter's or remote's view; Unchanged when the client's ETag is current."""
    live = owned_session(session, user=user, session_id=session_id)
    joined, voted = counts(session, live)
    if auto.reveal_if_due(session, live, voted):
        joined, voted = counts(session, live)
    etag = control_etag(live, joined, voted, answers.open_prompt(session, row_id(live)))
    if known_etag == etag:
        return Unchanged(etag)
    return _facilitator_stage(session, catalog, live, joined, voted)


def control_etag(
    live: LiveSession, joined: Admissions, voted: int, prompt: LivePrompt | None = None
) -> str:
    """Changes with the step, the countdown, the headcount, the phones, the votes, the answers."""
    tail = answers.marker(prompt)
    return f'"c{live.id}-{live.version}-{live.headcount}-{joined.marker}-{voted}-{tail}"'


def change_step(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    *,
    user: AnyUser,
    session_id: int,
    action: str,
    seen_version: int,
) -> LiveSession:
    """Apply next/back/skip/end to the step the controller saw (StepMoved if it moved on)."""
    live = owned_session(session, user=user, session_id=session_id)
    try:
        moved = steps.move(
            current_step(live),
            steps.Action(action),
            len(live.scenario_list),
            live.skipped_positions,
        )
    except ValueError as exc:  # an unknown action, or NotPossible
        raise Invalid(
            str(exc) if isinstance(exc, steps.NotPossible) else "Unknown action."
        ) from exc
    write_move(session, live, moved, seen_version)
    if live.ended_at is not None and settings.live_session_counts_for_lesson:
        credit_attendees(session, catalog, live=live)
    return live


def set_countdown(
    session: Session, *, user: AnyUser, session_id: int, minutes: int, seen_version: int
) -> LiveSession:
    """Start a discussion countdown of `minutes` (0 clears it); not in the lobby or once ended."""
    live = owned_session(session, user=user, session_id=session_id)
    if minutes and minutes not in COUNTDOWN_MINUTES:
        raise Invalid("Choose one of the offered countdown lengths.")
    if current_step(live).phase not in steps.COUNTDOWN_PHASES:
        raise Invalid("A countdown can run while voting, in the discussion and at the wrap-up.")
    values = {"countdown_ends_at": utcnow() + timedelta(minutes=minutes) if minutes else None}
    bump(session, live, seen_version, values)
    session.commit()
    session.refresh(live)
    return live


def credit_attendees(session: Session, catalog: Catalog, *, live: LiveSession) -> int:
    """Count a held session toward each signed-in attendee's lesson (once each)."""
    if live.started_at is None:
        return 0
    module = module_of(catalog, live)
    rows = session.exec(
        select(LiveAttendance, User)
        .join(User, col(User.id) == LiveAttendance.user_id)
        .where(LiveAttendance.session_id == live.id, col(LiveAttendance.counted_at).is_(None))
    ).all()
    for attendance, person in rows:
        if person.active:
            progress.mark_read(session, catalog, user=person, module_id=module.id, via=VIA)
        attendance.counted_at = utcnow()
        session.add(attendance)
        session.commit()
    return len(rows)
