"""Writing a step change: one conditional UPDATE on the session's version, then the results
it releases. Used by the facilitator's presses and by the server's own reveal (app/live/auto.py).

Every change is `UPDATE ... SET version = version + 1 WHERE version = :seen`, so two
controllers (presenter and remote, or two workers) can never apply the same change twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlmodel import Session, col

from app.clock import utcnow
from app.errors import Conflict
from app.live import released
from app.live.open_answers_store import close_open
from app.live.steps import RESULT_PHASES, Move, Phase, Step
from app.models import LiveSession, row_id


class StepMoved(Conflict):
    """The controller acted on a step the session has already left."""


def write_move(session: Session, live: LiveSession, moved: Move, seen_version: int) -> None:
    """Store the step `moved` leads to (StepMoved if the session is no longer at `seen_version`),
    release the results it shows, commit and reload `live`."""
    target = moved.step
    now = utcnow()
    values: dict[str, object] = {
        "phase": target.phase.value,
        "scenario_index": target.index,
        "countdown_ends_at": None,
        "skipped": ",".join(str(i) for i in sorted(moved.skipped)),
    }
    if target.phase not in (Phase.lobby, Phase.ended) and live.started_at is None:
        values["started_at"] = now
    if target.phase is Phase.ended:
        values["ended_at"] = now
        values["voter_secret"] = None  # from now on nobody can link voter keys to accounts
    bump(session, live, seen_version, values)
    _release_results(session, live, target, moved.skipped)
    if target.phase is Phase.ended:
        close_open(session, row_id(live))  # drops the open question's keyed hashes
    session.commit()
    session.refresh(live)


def _release_results(
    session: Session, live: LiveSession, target: Step, skipped: frozenset[int]
) -> None:
    """Results are released when shown, and every shown scenario's when the session ends (a
    skipped scenario's never: its results were not shown)."""
    if target.phase in RESULT_PHASES:
        chosen = [live.scenario_list[target.index]]
    elif target.phase is Phase.ended:
        chosen = [s for i, s in enumerate(live.scenario_list) if i not in skipped]
    else:
        return
    for scenario_id in chosen:
        released.release(session, session_id=row_id(live), scenario_id=scenario_id)


def bump(
    session: Session,
    live: LiveSession,
    seen_version: int | None,
    values: Mapping[str, object] | None = None,
) -> None:
    """Write `values` and version + 1, only if the session is still at `seen_version`
    (None: whatever it is, e.g. an approved answer that must reach the projector)."""
    seen = () if seen_version is None else (col(LiveSession.version) == seen_version,)
    result = session.exec(
        update(LiveSession)
        .where(col(LiveSession.id) == live.id, *seen)
        .values(version=LiveSession.version + 1, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise StepMoved(
            "The session had already moved on, so nothing changed. This is the current step."
        )
