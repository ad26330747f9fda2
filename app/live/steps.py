"""The room's state machine as pure functions: which step follows which, for n scenarios.

lobby → rules → (read → vote → closed → reveal → discuss) per scenario → wrapup → ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    lobby = "lobby"
    rules = "rules"
    read = "read"
    vote = "vote"
    closed = "closed"
    reveal = "reveal"
    discuss = "discuss"
    wrapup = "wrapup"
    ended = "ended"


class Action(StrEnum):
    next = "next"
    back = "back"
    skip = "skip"
    end = "end"


SCENARIO_PHASES = (Phase.read, Phase.vote, Phase.closed, Phase.reveal, Phase.discuss)
RESULT_PHASES = frozenset({Phase.reveal, Phase.discuss})
COUNTDOWN_PHASES = frozenset({Phase.discuss, Phase.wrapup})  # talk and writing, never answers
LABELS = {
    Phase.lobby: "Waiting to start",
    Phase.rules: "Ground rules",
    Phase.read: "Read the scenario",
    Phase.vote: "Voting open",
    Phase.closed: "Voting closed",
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


def step_of(phase: str, index: int) -> Step:
    """The Step stored as (phase, scenario index) in a session row."""
    value = Phase(phase)
    return Step(value, index if value in SCENARIO_PHASES else 0)


def all_steps(scenarios: int) -> list[Step]:
    """Every step of a session with this many scenarios, in order."""
    middle = [Step(phase, i) for i in range(scenarios) for phase in SCENARIO_PHASES]
    return [Step(Phase.lobby), Step(Phase.rules), *middle, Step(Phase.wrapup), Step(Phase.ended)]


def apply(step: Step, action: Action, scenarios: int) -> Step:
    """The step after `action`; NotPossible when it does not apply."""
    if step.phase is Phase.ended:
        raise NotPossible("The session has ended.")
    if action is Action.end:
        return Step(Phase.ended)
    steps = all_steps(scenarios)
    position = steps.index(step)
    if action is Action.next:
        return steps[position + 1]
    if action is Action.back:
        if position == 0:
            raise NotPossible("This is the first step.")
        return steps[position - 1]
    return _skip(step, scenarios)


def _skip(step: Step, scenarios: int) -> Step:
    """Skip the rest of this scenario (or the opening steps): on to the next scenario's reading."""
    following = step.index + 1 if step.in_scenario else 0
    if step.phase is Phase.wrapup:
        return Step(Phase.ended)
    if following < scenarios:
        return Step(Phase.read, following)
    return Step(Phase.wrapup)
