"""The server's own reveal: voting closes by itself when the expected headcount has voted
(if the facilitator chose that) or when a voting countdown the facilitator started ends.

No timer runs anywhere: any request that looks at the room (the projector's, laptop's or
remote's poll, a vote) checks the condition and, when it holds, moves the step with the same
conditional UPDATE on the version as a press does, so two workers that both see it cannot
both move it: one wins, the other finds the version gone and moves nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.clock import utcnow
from app.live.moves import StepMoved, write_move
from app.live.steps import Move, Phase, Step, step_of
from app.models import LiveSession


def due(live: LiveSession, voted: int, now: datetime) -> bool:
    """True while voting is open and its countdown has ended, or (auto-reveal on) everyone
    expected has voted."""
    if not step_of(live.phase, live.scenario_index).voting:
        return False
    if live.countdown_ends_at is not None and live.countdown_ends_at <= now:
        return True
    return live.auto_reveal and live.headcount is not None and voted >= live.headcount


def reveal_if_due(session: Session, live: LiveSession, voted: int) -> bool:
    """Reveal the open scenario if it is due; True if this request moved it. `live` is current
    afterwards either way."""
    if not due(live, voted, utcnow()):
        return False
    reveal = Move(Step(Phase.reveal, live.scenario_index), live.skipped_positions)
    try:
        write_move(session, live, reveal, live.version)
    except StepMoved:  # another request (or worker) moved it first
        session.refresh(live)
        return False
    return True
