"""The state machine on its own: every action from every kind of step, and the skipped marks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.live.steps import (
    Action,
    Move,
    NotPossible,
    Phase,
    Step,
    all_steps,
    apply,
    move,
    step_of,
)

N = 2  # scenarios
L, R, W, E = Step(Phase.lobby), Step(Phase.rules), Step(Phase.wrapup), Step(Phase.ended)


def s(phase: Phase, index: int = 0) -> Step:
    return Step(phase, index)


@pytest.mark.parametrize(
    ("start", "action", "expected"),
    [
        (L, Action.next, R),
        (R, Action.next, s(Phase.show, 0)),
        (s(Phase.show, 0), Action.next, s(Phase.reveal, 0)),
        (s(Phase.reveal, 0), Action.next, s(Phase.discuss, 0)),
        (s(Phase.discuss, 0), Action.next, s(Phase.show, 1)),
        (s(Phase.discuss, 1), Action.next, W),
        (W, Action.next, E),
        (R, Action.back, L),
        (s(Phase.show, 0), Action.back, R),
        (s(Phase.reveal, 0), Action.back, s(Phase.show, 0)),
        (s(Phase.discuss, 0), Action.back, s(Phase.reveal, 0)),
        (s(Phase.show, 1), Action.back, s(Phase.discuss, 0)),
        (W, Action.back, s(Phase.discuss, 1)),
        (L, Action.skip, s(Phase.show, 0)),
        (R, Action.skip, s(Phase.show, 0)),
        (s(Phase.show, 0), Action.skip, s(Phase.show, 1)),
        (s(Phase.reveal, 1), Action.skip, W),
        (W, Action.skip, E),
        (L, Action.end, E),
        (s(Phase.show, 1), Action.end, E),
        (W, Action.end, E),
    ],
)
def test_apply_moves_to_the_expected_step(start: Step, action: Action, expected: Step) -> None:
    assert apply(start, action, N) == expected


def test_three_steps_a_scenario() -> None:
    assert len(all_steps(3)) == 2 + 3 * 3 + 2


def test_skip_while_voting_marks_the_scenario_skipped() -> None:
    assert move(s(Phase.show, 0), Action.skip, N) == Move(s(Phase.show, 1), frozenset({0}))
    assert move(s(Phase.show, 1), Action.skip, N, frozenset({0})) == Move(W, frozenset({0, 1}))


@pytest.mark.parametrize("phase", [Phase.reveal, Phase.discuss])
def test_skip_after_the_results_were_shown_is_no_skipped_scenario(phase: Phase) -> None:
    assert move(s(phase, 0), Action.skip, N) == Move(s(Phase.show, 1), frozenset())


def test_back_into_a_skipped_scenario_runs_it_again_from_its_voting() -> None:
    assert move(s(Phase.show, 1), Action.back, N, frozenset({0})) == Move(s(Phase.show, 0))
    assert move(W, Action.back, N, frozenset({0, 1})) == Move(s(Phase.show, 1), frozenset({0}))


def test_marks_survive_next_and_end() -> None:
    marks = frozenset({0})
    assert move(s(Phase.show, 1), Action.next, N, marks).skipped == marks
    assert move(s(Phase.show, 1), Action.end, N, marks) == Move(E, marks)


def test_back_from_the_lobby_is_not_possible() -> None:
    with pytest.raises(NotPossible):
        apply(L, Action.back, N)


@pytest.mark.parametrize("action", list(Action))
def test_nothing_is_possible_once_ended(action: Action) -> None:
    with pytest.raises(NotPossible):
        apply(E, action, N)


def test_step_of_ignores_the_index_outside_scenarios() -> None:
    assert step_of("rules", 3) == R
    assert step_of("show", 1) == s(Phase.show, 1)


@pytest.mark.parametrize("old", ["read", "vote", "closed"])
def test_phases_stored_by_the_five_step_flow_read_as_voting_open(old: str) -> None:
    assert step_of(old, 1) == s(Phase.show, 1)


def test_an_unknown_stored_phase_is_refused() -> None:
    with pytest.raises(ValueError):
        step_of("jump", 0)


@given(st.integers(min_value=1, max_value=8))
def test_next_walks_every_step_once_in_order(scenarios: int) -> None:
    walked, step = [L], L
    while step != E:
        step = apply(step, Action.next, scenarios)
        walked.append(step)
    assert walked == all_steps(scenarios)
    assert len(walked) == 2 + 3 * scenarios + 2


@given(st.integers(min_value=1, max_value=6), st.data())
def test_back_undoes_next_everywhere_but_the_ends(scenarios: int, data: st.DataObject) -> None:
    steps = all_steps(scenarios)
    step = data.draw(st.sampled_from(steps[:-2]))
    assert apply(apply(step, Action.next, scenarios), Action.back, scenarios) == step


@given(st.integers(min_value=1, max_value=6), st.data())
def test_skip_always_lands_on_a_voting_the_wrapup_or_the_end(
    scenarios: int, data: st.DataObject
) -> None:
    step = data.draw(st.sampled_from(all_steps(scenarios)[:-1]))
    after = move(step, Action.skip, scenarios)
    assert after.step.phase in (Phase.show, Phase.wrapup, Phase.ended)
    assert all_steps(scenarios).index(after.step) > all_steps(scenarios).index(step)
    assert after.skipped <= frozenset({step.index}) and (bool(after.skipped) == step.voting)


@given(st.integers(min_value=1, max_value=6), st.data())
def test_skip_then_back_returns_to_the_same_scenario_unmarked(
    scenarios: int, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=scenarios - 1))
    skipped = move(s(Phase.show, index), Action.skip, scenarios)
    assert move(skipped.step, Action.back, scenarios, skipped.skipped) == Move(s(Phase.show, index))
