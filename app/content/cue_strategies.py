"""Content-blind answering strategies, run over a quiz's pool (the cue checker's analysis).

A learner in a hurry can pass a quiz without reading it when the strongest option has a
look of its own (the longest, the one quoting speech, the one asking a question). Each
strategy here picks options by such a look only. Its rule narrows the options step by step
("question, else quoted speech, else longest": keep the options with a question if any,
then of those the ones quoting speech if any, then the longest); when several options are
left the learner would pick one of them at random, so a scenario counts the expected hit
(best options left / options left) and the expected points. Options are shuffled per
attempt, so the positional strategies (first, last) are reported but never enforced.

The rules on these figures, and the report, are in app/content/cues.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import permutations

from app.content.catalog import QuizSource
from app.content.locations import Path_, line_of
from app.content.schema import QuizFile, Scenario

_QUOTE = re.compile(
    r"\"[^\"]*\w[^\"]*\"|“[^”]*”|\u2018.*?\u2019(?!\w)|(?<!\w)'(?=\w).*?[\w.,!?]'(?!\w)"
)
_ASK = re.compile(r"\b(ask|privately)\b", re.IGNORECASE)
FEATURES: dict[str, Callable[[str], bool]] = {
    "quoted speech": lambda text: bool(_QUOTE.search(text)),
    "question": lambda text: "?" in text,
    "ask/privately": lambda text: bool(_ASK.search(text)),
}
BALANCED_FEATURES = ("quoted speech", "question")
POSITIONAL = ("first", "last")
# Length steps: the rank among the options left, by length (0 longest, -1 shortest).
LENGTH_RANKS = {"longest": 0, "second longest": 1, "second shortest": -2, "shortest": -1}
LENGTH_ENDS = tuple((step,) for step in LENGTH_RANKS)


@dataclass(frozen=True)
class Strategy:
    """Steps applied in order; each narrows the options left when it can."""

    steps: tuple[str, ...]

    @property
    def name(self) -> str:
        return ", else ".join(self.steps)

    @property
    def positional(self) -> bool:
        return any(step in POSITIONAL for step in self.steps)

    def pick(self, texts: list[str]) -> list[int]:
        """Indexes of the options this strategy leaves to choose between."""
        left = list(range(len(texts)))
        for step in self.steps:
            if step == "first":
                left = left[:1]
            elif step == "last":
                left = left[-1:]
            elif step in LENGTH_RANKS:
                left = _by_length_rank(texts, left, LENGTH_RANKS[step])
            elif step == "most cues":
                counts = [sum(f(texts[i]) for f in FEATURES.values()) for i in left]
                left = [i for i, n in zip(left, counts, strict=True) if n == max(counts)]
            elif having := [i for i in left if FEATURES[step](texts[i])]:
                left = having
        return left


def _by_length_rank(texts: list[str], left: list[int], rank: int) -> list[int]:
    """The options left whose length has this rank among the distinct lengths left.

    With fewer distinct lengths than the rank needs, the nearest rank is taken (the second
    longest of two options is the shorter one), as a learner following the rule would.
    """
    size = {i: len(" ".join(texts[i].split())) for i in left}
    lengths = sorted(set(size.values()), reverse=True)
    wanted = lengths[max(-len(lengths), min(rank, len(lengths) - 1))]
    return [i for i in left if size[i] == wanted]


def strategies() -> list[Strategy]:
    """Positional, each length rank, every ordered chain of the features with each ending."""
    found = [Strategy((p,)) for p in POSITIONAL]
    found += [Strategy(end) for end in LENGTH_ENDS]
    names = list(FEATURES)
    for size in range(1, len(names) + 1):
        for chain in permutations(names, size):
            found += [Strategy(chain + end) for end in ((), *LENGTH_ENDS)]
    found += [Strategy(("most cues",)), Strategy(("most cues", "longest"))]
    return found


@dataclass(frozen=True)
class Outcome:
    """One strategy on one scenario: expected hit (0..1) and expected points."""

    hit: float
    points: float


def outcome(strategy: Strategy, scenario: Scenario) -> Outcome:
    left = strategy.pick([c.text for c in scenario.choices])
    points = [scenario.choices[i].points for i in left]
    best = sum(p == scenario.max_points for p in points)
    return Outcome(best / len(left), sum(points) / len(left))


@dataclass(frozen=True)
class QuizCues:
    """Every strategy on one quiz's pool."""

    source: QuizSource
    outcomes: dict[Strategy, list[Outcome]]

    @property
    def quiz(self) -> QuizFile:
        return self.source[0]

    @property
    def path(self) -> str:
        return self.source[2]

    def hit_rate(self, strategy: Strategy) -> float:
        found = self.outcomes[strategy]
        return sum(o.hit for o in found) / len(found)

    def score(self, strategy: Strategy) -> float:
        """Expected points over the pool as a share of its maximum."""
        top = sum(s.max_points for s in self.quiz.scenarios)
        return sum(o.points for o in self.outcomes[strategy]) / top

    def reaches_pass_mark(self, strategy: Strategy) -> bool:
        return self.score(strategy) * 100 >= self.quiz.pass_mark

    def line(self, at: Path_) -> int:
        return line_of(self.source[3], at)


def analyse(sources: Iterable[QuizSource]) -> list[QuizCues]:
    every = strategies()
    return [
        QuizCues(source, {s: [outcome(s, sc) for sc in source[0].scenarios] for s in every})
        for source in sources
    ]


def course_hit_rate(quizzes: list[QuizCues], strategy: Strategy) -> float:
    found = [o for q in quizzes for o in q.outcomes[strategy]]
    return sum(o.hit for o in found) / len(found) if found else 0.0


@dataclass(frozen=True)
class Balance:
    """How many best and other options carry a feature."""

    best_with: int
    best: int
    other_with: int
    other: int

    @property
    def gap(self) -> float:
        return self.best_with / max(self.best, 1) - self.other_with / max(self.other, 1)

    def __add__(self, more: Balance) -> Balance:
        return Balance(
            self.best_with + more.best_with,
            self.best + more.best,
            self.other_with + more.other_with,
            self.other + more.other,
        )


def balance(scenarios: Iterable[Scenario], feature: str) -> Balance:
    total = Balance(0, 0, 0, 0)
    has = FEATURES[feature]
    for s in scenarios:
        best = [c for c in s.choices if c.points == s.max_points]
        other = [c for c in s.choices if c.points != s.max_points]
        with_best, with_other = sum(has(c.text) for c in best), sum(has(c.text) for c in other)
        total += Balance(with_best, len(best), with_other, len(other))
    return total
