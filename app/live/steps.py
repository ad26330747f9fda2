"""The room's state machine as pure functions: which step follows which, for n scenarios.

lobby → rules → (show → reveal → discuss) per scenario → wrapup → ended.

`show` opens voting at once; `reveal` closes it and shows results and feedback; `discuss`
keeps the results up beside the prompts. Skipping a scenario before its reveal marks it
skipped (the room and the summary say so); Back into a skipped scenario runs it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    lobby = "lobby"
    rules = "rules"
    show = "show"
    reveal = "reveal"
    discuss = "discuss"
    wrapup = "wrapup"
    ended = "ended"


class Action(StrEnum):
    next = "next"
    back = "back"
    skip = "skip"
    end = "end"


SCENARIO_PHASES = (Phase.show, Phase.reveal, Phase.discuss)
RESULT_PHASES = frozenset({Phase.reveal, Phase.discuss})
VOTING_PHASES = frozenset({Phase.show})
# A countdown while voting reveals the results when it ends (the server decides, see
# app/live/auto.py); in the discussion and the wrap-up it only times the talk.
COUNTDOWN_PHASES = frozenset({Phase.show, Phase.discuss, Phase.wrapup})
# Stored phases of the five-step flow, as the three-step flow reads them (migration 0010c).
OLD_PHASES = {"read": Phase.show, "vote": Phase.show, "closed": Phase.show}
LABELS = {
    Phase.lobby: "Waiting to start",
    Phase.rules: "Ground rules",
    Phase.show: "Voting open",
    Phase.reveal: "Results and feedback",
    Phase.discuss: "Discussion",
    Phase.wrapup: "Wrap-up",
    Phase.ended: "Ended",
}


class NotPossible(ValueError):
    """The action does not apply to this step (e.g. back from the lobby, anything once ended)."""


@dataclass(frozen=True)
class Step:
    phase: Phase
    index: int = 0  # the scenario's position; 0 outside the scenario phases

    @property
    def label(self) -> str:
        return LABELS[self.phase]

    @property
    def in_scenario(self) -> bool:
        return self.phase in SCENARIO_PHASES

    @property
    def voting(self) -> bool:
        return self.phase in VOTING_PHASES


@dataclass(frozen=True)
class Move:
    """Where an action leads, and which scenarios (by position) are marked skipped after it."""

    step: Step
    skipped: frozenset[int] = frozenset()


def step_of(phase: str, index: int) -> Step:
    """The Step stored as (phase, scenario index) in a session row."""
    value = OLD_PHASES.get(phase) or Phase(phase)
    return Step(value, index if value in SCENARIO_PHASES else 0)


def all_steps(scenarios: int) -> list[Step]:
    """Every step of a session with this many scenarios, in order."""
    middle = [Step(phase, i) for i in range(scenarios) for phase in SCENARIO_PHASES]
    return [Step(Phase.lobby), Step(Phase.rules), *middle, Step(Phase.wrapup), Step(Phase.ended)]


def move(step: Step, action: Action, scenarios: int, skipped: frozenset[int] = frozenset()) -> Move:
    """The step after `action` and the skipped marks after it; NotPossible when it does not apply."""
    if step.phase is Phase.ended:
        raise NotPossible("The session has ended.")
    if action is Action.end:
        return Move(Step(Phase.ended), skipped)
    steps = all_steps(scenarios)
    position = steps.index(step)
    if action is Action.next:
        return Move(steps[position + 1], skipped)
    if action is Action.back:
        if position == 0:
            raise NotPossible("This is the first step.")
        before = steps[position - 1]
        if before.in_scenario and before.index in skipped:  # run the skipped scenario after all
            return Move(Step(Phase.show, before.index), skipped - {before.index})
        return Move(before, skipped)
    return _skip(step, scenarios, skipped)


def apply(step: Step, action: Action, scenarios: int) -> Step:
    """The step after `action` (no skipped marks); NotPossible when it does not apply."""
    return move(step, action, scenarios).step


def _skip(step: Step, scenarios: int, skipped: frozenset[int]) -> Move:
    """Skip the rest of this scenario (or the opening steps): on to the next scenario's voting.
    A scenario skipped before its results were shown is marked skipped."""
    if step.phase is Phase.wrapup:
        return Move(Step(Phase.ended), skipped)
    if step.voting:
        skipped = skipped | {step.index}
    following = step.index + 1 if step.in_scenario else 0
    if following < scenarios:
        return Move(Step(Phase.show, following), skipped)
    return Move(Step(Phase.wrapup), skipped)
