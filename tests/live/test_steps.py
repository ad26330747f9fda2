"""The state machine on its own: every action from every kind of step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.live.steps import Action, NotPossible, Phase, Step, all_steps, apply, step_of

N = 2  # scenarios
L, R, W, E = Step(Phase.lobby), Step(Phase.rules), Step(Phase.wrapup), Step(Phase.ended)


def s(phase: Phase, index: int = 0) -> Step:
    return Step(phase, index)


@pytest.mark.parametrize(
    ("start", "action", "expected"),
    [
        (L, Action.next, R),
        (R, Action.next, s(Phase.read, 0)),
        (s(Phase.read, 0), Action.next, s(Phase.vote, 0)),
        (s(Phase.vote, 0), Action.next, s(Phase.closed, 0)),
        (s(Phase.closed, 0), Action.next, s(Phase.reveal, 0)),
        (s(Phase.reveal, 0), Action.next, s(Phase.discuss, 0)),
        (s(Phase.discuss, 0), Action.next, s(Phase.read, 1)),
        (s(Phase.discuss, 1), Action.next, W),
        (W, Action.next, E),
        (R, Action.back, L),
        (s(Phase.read, 0), Action.back, R),
        (s(Phase.vote, 0), Action.back, s(Phase.read, 0)),
        (s(Phase.closed, 0), Action.back, s(Phase.vote, 0)),
        (s(Phase.reveal, 0), Action.back, s(Phase.closed, 0)),
        (s(Phase.discuss, 0), Action.back, s(Phase.reveal, 0)),
        (s(Phase.read, 1), Action.back, s(Phase.discuss, 0)),
        (W, Action.back, s(Phase.discuss, 1)),
        (L, Action.skip, s(Phase.read, 0)),
        (R, Action.skip, s(Phase.read, 0)),
        (s(Phase.vote, 0), Action.skip, s(Phase.read, 1)),
        (s(Phase.reveal, 1), Action.skip, W),
        (W, Action.skip, E),
        (L, Action.end, E),
        (s(Phase.vote, 1), Action.end, E),
        (W, Action.end, E),
    ],
)
def test_apply_moves_to_the_expected_step(start: Step, action: Action, expected: Step) -> None:
    assert apply(start, action, N) == expected


def test_back_from_the_lobby_is_not_possible() -> None:
    with pytest.raises(NotPossible):
        apply(L, Action.back, N)


@pytest.mark.parametrize("action", list(Action))
def test_nothing_is_possible_once_ended(action: Action) -> None:
    with pytest.raises(NotPossible):
        apply(E, action, N)


def test_step_of_ignores_the_index_outside_scenarios() -> None:
    assert step_of("rules", 3) == R
    assert step_of("vote", 1) == s(Phase.vote, 1)


@given(st.integers(min_value=1, max_value=8))
def test_next_walks_every_step_once_in_order(scenarios: int) -> None:
    walked, step = [L], L
    while step != E:
        step = apply(step, Action.next, scenarios)
        walked.append(step)
    assert walked == all_steps(scenarios)
    assert len(walked) == 2 + 5 * scenarios + 2


@given(st.integers(min_value=1, max_value=6), st.data())
def test_back_undoes_next_everywhere_but_the_ends(scenarios: int, data: st.DataObject) -> None:
    steps = all_steps(scenarios)
    step = data.draw(st.sampled_from(steps[:-2]))
    assert apply(apply(step, Action.next, scenarios), Action.back, scenarios) == step


@given(st.integers(min_value=1, max_value=6), st.data())
def test_skip_always_lands_on_a_reading_the_wrapup_or_the_end(
    scenarios: int, data: st.DataObject
) -> None:
    step = data.draw(st.sampled_from(all_steps(scenarios)[:-1]))
    after = apply(step, Action.skip, scenarios)
    assert after.phase in (Phase.read, Phase.wrapup, Phase.ended)
    assert all_steps(scenarios).index(after) > all_steps(scenarios).index(step)
