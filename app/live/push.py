"""What every phone in a room sees alike, so a worker renders a step once, not once per phone.

A phone's view of lobby, rules, show, reveal and discuss differs between phones only by the
phone's own vote; `shared_room` reads the stage once and every phone's choice on the current
scenario in one query, and the stream (app/live/stream.py) hands each phone the rendering for
its own choice. The wrap-up and the end show a signed-in person their own commitment and
links, so only phones without a sign-in share those; a signed-in phone, and every phone while
an open question counts how many answers each sent, fetches its own view as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.content.catalog import Catalog
from app.live.stage import Stage, build_stage, current_step
from app.live.steps import Phase
from app.models import LiveSession, LiveVote

SHARED_PHASES = (Phase.lobby, Phase.rules, Phase.show, Phase.reveal, Phase.discuss)
SIGNED_OUT_PHASES = (Phase.wrapup, Phase.ended)  # shared only by phones nobody signed in on


@dataclass(frozen=True)
class SharedRoom:
    """The stage every phone sees, and each phone's choice on it (by participant id)."""

    stage: Stage
    choices: dict[int, str]

    @property
    def signed_out_only(self) -> bool:
        return self.stage.step.phase in SIGNED_OUT_PHASES


def shared_room(session: Session, catalog: Catalog, room_id: int) -> SharedRoom | None:
    """The room as all its phones see it, or None when each phone must fetch its own view."""
    live = session.get(LiveSession, room_id)
    if live is None:
        return None
    stage = build_stage(session, catalog, live, 0, 0)
    shared = stage.step.phase in SHARED_PHASES or stage.step.phase in SIGNED_OUT_PHASES
    if not shared or stage.prompt is not None:
        return None
    return SharedRoom(stage, _choices(session, live))


def _choices(session: Session, live: LiveSession) -> dict[int, str]:
    step = current_step(live)
    if not step.in_scenario:
        return {}
    rows = session.exec(
        select(LiveVote.participant_id, LiveVote.choice_id).where(
            LiveVote.session_id == live.id,
            LiveVote.scenario_id == live.scenario_list[step.index],
        )
    ).all()
    return {int(pid): choice for pid, choice in rows}
