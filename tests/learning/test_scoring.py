"""Pure scoring, table-driven and property-based."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.schema import Choice, Quiz, Scenario
from app.learning.scoring import AnswerError, percent_of, score_answers


def make_quiz(points: list[list[int]], pass_mark: int = 80) -> Quiz:
    scenarios = tuple(
        Scenario(
            id=f"s{i}",
            title=f"S{i}",
            situation="x",
            choices=[
                Choice(id=f"c{j}", text="t", points=p, feedback="f") for j, p in enumerate(row)
            ],
        )
        for i, row in enumerate(points)
    )
    return Quiz("m", pass_mark, scenarios, None, "hash", "q.yaml")


@pytest.mark.parametrize(
    ("picks", "total", "percent", "passed"),
    [
        ({"s0": "c0", "s1": "c0"}, 4, 100, True),
        ({"s0": "c0", "s1": "c1"}, 3, 75, False),
        ({"s0": "c1", "s1": "c1"}, 2, 50, False),
        ({"s0": "c2", "s1": "c2"}, 0, 0, False),
    ],
)
def test_score_answers_table(picks: dict[str, str], total: int, percent: int, passed: bool) -> None:
    score = score_answers(make_quiz([[2, 1, 0], [2, 1, 0]]), picks)
    assert (score.total, score.percent, score.passed) == (total, percent, passed)


def test_pass_mark_boundary_is_inclusive() -> None:
    quiz = make_quiz([[2, 1, 0]] * 5)  # max 10
    picks = {f"s{i}": "c0" for i in range(4)} | {"s4": "c2"}  # 8 of 10 = 80%
    assert score_answers(quiz, picks).passed


def test_missing_unknown_and_foreign_answers_are_all_reported() -> None:
    quiz = make_quiz([[2, 1, 0], [2, 1, 0]])
    with pytest.raises(AnswerError) as info:
        score_answers(quiz, {"s0": "nope", "ghost": "c0"})
    assert set(info.value.problems) == {"s0", "s1", "ghost"}


@given(
    st.lists(
        st.lists(st.integers(0, 2), min_size=3, max_size=4).filter(lambda r: 2 in r),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_score_is_bounded_and_best_answers_always_pass(
    points: list[list[int]], data: st.DataObject
) -> None:
    quiz = make_quiz(points, pass_mark=data.draw(st.integers(1, 100)))
    picks = {f"s{i}": f"c{data.draw(st.integers(0, len(row) - 1))}" for i, row in enumerate(points)}
    score = score_answers(quiz, picks)
    assert 0 <= score.total <= score.max_score
    assert 0 <= score.percent <= 100
    assert score.passed == (score.total * 100 >= quiz.pass_mark * score.max_score)
    best = {f"s{i}": f"c{row.index(2)}" for i, row in enumerate(points)}
    assert score_answers(quiz, best).passed


@given(st.integers(0, 1000), st.integers(1, 1000))
def test_percent_of_never_rounds_up(total: int, max_score: int) -> None:
    total = min(total, max_score)
    assert percent_of(total, max_score) * max_score <= 100 * total
