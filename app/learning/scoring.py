"""Pure quiz scoring: answers in, points, percent and pass/fail out. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.content.schema import Choice, Quiz, Scenario


class AnswerError(ValueError):
    """The submitted answers do not fit the quiz; `problems` maps scenario id to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    chosen: Choice
    points: int


@dataclass(frozen=True)
class Score:
    results: tuple[ScenarioResult, ...]
    total: int
    max_score: int
    percent: int
    pass_mark: int
    passed: bool


def percent_of(total: int, max_score: int) -> int:
    """Whole percent, rounded down so a displayed 80% is never a 79.6% in disguise."""
    return (100 * total) // max_score if max_score else 0


def score_answers(
    quiz: Quiz, answers: Mapping[str, str], asked: Sequence[Scenario] | None = None
) -> Score:
    """Score one answer per asked scenario (all of the quiz unless given).

    Raises AnswerError on a missing answer, a scenario this attempt did not ask, or a choice
    the scenario does not have.
    """
    asked = quiz.scenarios if asked is None else asked
    problems: dict[str, str] = {}
    known = {s.id for s in asked}
    for scenario_id in answers:
        if scenario_id not in known:
            problems[scenario_id] = (
                "That scenario is not part of this attempt; answer the scenarios shown."
            )
    results: list[ScenarioResult] = []
    for scenario in asked:
        choice_id = answers.get(scenario.id)
        if not choice_id:
            problems[scenario.id] = "Choose one answer for this scenario."
            continue
        choice = scenario.choice(choice_id)
        if choice is None:
            problems[scenario.id] = (
                "That answer is not one of this scenario's choices; choose again."
            )
            continue
        results.append(ScenarioResult(scenario, choice, choice.points))
    if problems:
        raise AnswerError(problems)
    total = sum(r.points for r in results)
    max_score = sum(s.max_points for s in asked)
    return Score(
        results=tuple(results),
        total=total,
        max_score=max_score,
        percent=percent_of(total, max_score),
        pass_mark=quiz.pass_mark,
        passed=total * 100 >= quiz.pass_mark * max_score,
    )
