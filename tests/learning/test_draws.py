"""The draw, pure: how many, unseen first, every objective covered, options shuffled."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from app.content.schema import Choice, Quiz, Scenario
from app.learning.draws import Paper, draw, whole_quiz


def pool_quiz(objectives: list[list[int]], size: int = 6, choices: int = 4) -> Quiz:
    scenarios = tuple(
        Scenario(
            id=f"s{i}",
            title=f"S{i}",
            situation="x",
            objectives=objs,
            choices=[
                Choice(id=f"s{i}c{j}", text=f"t{j}", points=2 if j == 0 else j % 2, feedback="f")
                for j in range(choices)
            ],
        )
        for i, objs in enumerate(objectives)
    )
    return Quiz("m", 80, scenarios, None, "hash", "q.yaml", size)


objective_lists = st.lists(
    st.lists(st.integers(1, 4), max_size=3, unique=True), min_size=1, max_size=14
)


@given(objective_lists, st.integers(1, 8), st.randoms(use_true_random=False))
def test_draw_takes_the_draw_count_or_the_whole_pool(
    objectives: list[list[int]], size: int, rng: random.Random
) -> None:
    quiz = pool_quiz(objectives, size)
    drawn = draw(quiz, {}, rng)
    ids = [d.scenario_id for d in drawn]
    assert len(ids) == min(size, len(objectives)) == len(set(ids))
    for item in drawn:
        scenario = quiz.scenario(item.scenario_id)
        assert scenario is not None
        assert sorted(item.choice_ids) == sorted(c.id for c in scenario.choices)


@given(objective_lists, st.integers(4, 8), st.randoms(use_true_random=False))
def test_draw_covers_every_objective_of_the_pool(
    objectives: list[list[int]], size: int, rng: random.Random
) -> None:
    quiz = pool_quiz(objectives, size)
    seen = {f"s{i}": rng.randint(0, 3) for i in range(len(objectives))}
    drawn = {d.scenario_id for d in draw(quiz, seen, rng)}
    wanted = {n for objs in objectives for n in objs}
    covered = {n for s in quiz.scenarios if s.id in drawn for n in s.objectives}
    assert covered == wanted


@given(objective_lists, st.integers(1, 8), st.randoms(use_true_random=False), st.data())
def test_draw_asks_unseen_scenarios_first(
    objectives: list[list[int]], size: int, rng: random.Random, data: st.DataObject
) -> None:
    quiz = pool_quiz(objectives, size)
    seen_ids = data.draw(st.sets(st.sampled_from([s.id for s in quiz.scenarios])))
    drawn = {d.scenario_id for d in draw(quiz, dict.fromkeys(seen_ids, 1), rng)}
    unseen = [s for s in quiz.scenarios if s.id not in seen_ids]
    # Seen scenarios come in only for empty slots or for objectives no unseen one covers.
    uncoverable = {n for objs in objectives for n in objs} - {
        n for s in unseen for n in s.objectives
    }
    room = max(0, min(size, len(objectives)) - len(unseen))
    assert len(drawn & seen_ids) <= room + len(uncoverable)
    if len(unseen) >= size and not uncoverable:
        assert not drawn & seen_ids


def test_second_draw_shares_nothing_with_the_first_when_the_pool_allows() -> None:
    quiz = pool_quiz([[1], [2], [1], [2], [1, 2], [], [1], [2]], size=4)
    first = {d.scenario_id for d in draw(quiz, {}, random.Random(1))}
    second = {d.scenario_id for d in draw(quiz, dict.fromkeys(first, 1), random.Random(2))}
    assert len(first) == len(second) == 4 and not first & second


def test_least_seen_come_back_first_once_all_are_seen() -> None:
    quiz = pool_quiz([[]] * 5, size=2)
    seen = {"s0": 3, "s1": 1, "s2": 3, "s3": 1, "s4": 2}
    for seed in range(20):
        assert {d.scenario_id for d in draw(quiz, seen, random.Random(seed))} == {"s1", "s3"}


def test_draws_vary_in_scenarios_order_and_options() -> None:
    quiz = pool_quiz([[]] * 10, size=4)
    papers = {draw(quiz, {}, random.Random(seed)) for seed in range(30)}
    assert len({frozenset(d.scenario_id for d in p) for p in papers}) > 10
    assert len({p[0].choice_ids for p in papers}) > 5


def test_letters_resolve_to_the_choices_shown_and_nothing_else() -> None:
    quiz = pool_quiz([[], []], size=2)
    paper = Paper(7, "hash", draw(quiz, {}, random.Random(3)))
    shown = paper.shown(quiz)
    first = shown[0]
    resolved = paper.resolve(
        quiz, {first.scenario.id: "B", "ghost": "A", shown[1].scenario.id: "E"}
    )
    assert resolved[first.scenario.id] == first.choices[1].id
    assert resolved["ghost"] == "A" and resolved[shown[1].scenario.id] == "E"


def test_an_attempt_from_before_draws_asked_the_whole_quiz_in_file_order() -> None:
    quiz = pool_quiz([[], [], []], size=2)
    paper = Paper(None, "hash", whole_quiz(quiz, ["s2", "s0"]))
    assert [s.scenario.id for s in paper.shown(quiz)] == ["s0", "s2"]
    assert [c.id for c in paper.shown(quiz)[0].choices] == ["s0c0", "s0c1", "s0c2", "s0c3"]
