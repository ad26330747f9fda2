"""Group-session results as released: stored at a reveal, grown only by 5 new voters at a time.

Without this, a facilitator could reveal, go back, let one more person vote (or one person
change their vote) and reveal again: the difference is that person's vote. A scenario's
distribution is stored when results are first shown with 5 or more voters; a later reveal
adds the votes of people new since then only when there are 5 or more of them, and keeps
every released vote as it was released. So every distribution ever shown is a sum of whole
blocks of 5 or more people's votes (app/privacy.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.content.schema import Scenario
from app.live.results import Distribution, distribution
from app.models import LiveRelease, LiveVote
from app.privacy import next_release


def release(session: Session, *, session_id: int, scenario_id: str) -> None:
    """Store the current votes as the shown result if the release rule allows (caller commits)."""
    current = {
        str(participant): choice
        for participant, choice in session.exec(
            select(LiveVote.participant_id, LiveVote.choice_id).where(
                LiveVote.session_id == session_id, LiveVote.scenario_id == scenario_id
            )
        )
    }
    row = session.exec(
        select(LiveRelease).where(
            LiveRelease.session_id == session_id, LiveRelease.scenario_id == scenario_id
        )
    ).first()
    chosen = next_release(json.loads(row.votes) if row else None, current)
    if chosen is None:
        return
    row = row or LiveRelease(
        session_id=session_id, scenario_id=scenario_id, voters=0, counts="", votes=""
    )
    row.voters = len(chosen)
    row.counts = json.dumps(dict(Counter(chosen.values())), sort_keys=True)
    row.votes = json.dumps(chosen, sort_keys=True)
    row.released_at = utcnow()
    session.add(row)
    session.flush()


def releases(session: Session, *, session_id: int) -> dict[str, LiveRelease]:
    """Every scenario's released result in a session, by scenario id (one query)."""
    rows = session.exec(select(LiveRelease).where(LiveRelease.session_id == session_id)).all()
    return {r.scenario_id: r for r in rows}


def voters(session: Session, *, session_id: int) -> dict[str, int]:
    """How many voted on each scenario now (a count, never a choice)."""
    rows = session.exec(
        select(LiveVote.scenario_id, func.count())
        .where(LiveVote.session_id == session_id)
        .group_by(col(LiveVote.scenario_id))
    ).all()
    return {s: n for s, n in rows}


def shown(scenario: Scenario, row: LiveRelease | None, voted: int) -> Distribution:
    """The released distribution (and how many later votes wait), or a hidden one with the count."""
    if row is None:
        return Distribution(total=voted, shares=None)
    counts = {str(k): int(v) for k, v in json.loads(row.counts).items()}
    return replace(distribution(scenario, counts), waiting=max(0, voted - row.voters))


def shown_now(session: Session, *, session_id: int, scenario: Scenario) -> Distribution:
    """`shown` for one scenario of a session (for the projector and the phones)."""
    row = session.exec(
        select(LiveRelease).where(
            LiveRelease.session_id == session_id, LiveRelease.scenario_id == scenario.id
        )
    ).first()
    voted = session.exec(
        select(func.count())
        .select_from(LiveVote)
        .where(LiveVote.session_id == session_id, LiveVote.scenario_id == scenario.id)
    ).one()
    return shown(scenario, row, voted)
