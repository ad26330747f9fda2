"""A learned cue: which words mark the best options elsewhere in the course.

The fixed strategies (app/content/cue_strategies.py) look for one surface feature at a time.
An outside tester found a subtler shortcut: a learner who saves the keys of the modules they
have finished can learn which words the best options tend to use ("confidential", "plan",
"check") and which the weaker ones use ("nothing", "afterwards", "send"), then answer a new
module by those words alone. This module plays that learner: for each quiz, a naive Bayes
model over the words of every *other* quiz's options (best against the rest) picks, in each
scenario, the option whose words look most like a best option. Its hit rate and its score on
each quiz's pool are reported like any strategy's (app/content/cues.py).

The fix is in the writing, not in hiding words: let weaker options use the course's
vocabulary too (a check with the wrong person, a plan that comes too late, a confidential
route offered in a way that takes the decision from her), and let some best options be plain.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.content.catalog import QuizSource
from app.content.locations import ContentProblem, Path_, dotted, line_of
from app.content.schema import QuizFile, Scenario

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Names and the commonest words carry no cue; leaving them out keeps the model on style.
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "as",
        "is",
        "it",
        "its",
        "be",
        "or",
        "if",
        "that",
        "this",
        "you",
        "your",
        "i",
        "me",
        "my",
        "we",
        "our",
        "he",
        "she",
        "her",
        "his",
        "him",
        "they",
        "them",
        "their",
        "was",
        "are",
        "so",
        "but",
        "not",
    ]
)
SMOOTHING = 1.0
# Below this many scenarios in the other quizzes there is too little to learn from (a tiny
# course, or a test's fixture): the learned model is not run.
LEAST_TO_LEARN_FROM = 20


def words(text: str) -> set[str]:
    """The distinct words of an option, lowercase, without the commonest ones."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


@dataclass(frozen=True)
class WordModel:
    """Log-odds that an option is a best one, word by word, from the options it was shown."""

    weights: dict[str, float]

    @classmethod
    def learn(cls, scenarios: Sequence[Scenario]) -> WordModel:
        best: Counter[str] = Counter()
        other: Counter[str] = Counter()
        n_best = n_other = 0
        for scenario in scenarios:
            for choice in scenario.choices:
                if choice.points == scenario.max_points:
                    best.update(words(choice.text))
                    n_best += 1
                else:
                    other.update(words(choice.text))
                    n_other += 1
        weights = {
            w: math.log((best[w] + SMOOTHING) / (n_best + 2 * SMOOTHING))
            - math.log((other[w] + SMOOTHING) / (n_other + 2 * SMOOTHING))
            for w in set(best) | set(other)
        }
        return cls(weights)

    def score(self, text: str) -> float:
        return sum(self.weights.get(w, 0.0) for w in words(text))

    def pick(self, scenario: Scenario) -> list[int]:
        """The options the model rates highest (several when tied)."""
        scores = [round(self.score(c.text), 9) for c in scenario.choices]
        top = max(scores)
        return [i for i, s in enumerate(scores) if s == top]


@dataclass(frozen=True)
class WordCue:
    """The learned model on one quiz: expected hit and points per scenario."""

    quiz: QuizFile
    path: str
    hits: tuple[float, ...]
    points: tuple[float, ...]
    source: QuizSource

    @property
    def hit_rate(self) -> float:
        return sum(self.hits) / len(self.hits) if self.hits else 0.0

    @property
    def score(self) -> float:
        top = sum(s.max_points for s in self.quiz.scenarios)
        return sum(self.points) / top if top else 0.0

    def reaches_pass_mark(self) -> bool:
        return self.score * 100 >= self.quiz.pass_mark

    def hit_ids(self) -> list[str]:
        return [s.id for s, h in zip(self.quiz.scenarios, self.hits, strict=True) if h >= 0.5]


def leave_one_out(sources: Sequence[QuizSource]) -> list[WordCue]:
    """Each quiz answered by a model learned from all the others' keys."""
    out = []
    for index, source in enumerate(sources):
        quiz, path = source[0], source[2]
        others = [s for n, o in enumerate(sources) if n != index for s in o[0].scenarios]
        if len(others) < LEAST_TO_LEARN_FROM:
            continue
        model = WordModel.learn(others)
        hits, points = [], []
        for scenario in quiz.scenarios:
            left = model.pick(scenario)
            chosen = [scenario.choices[i].points for i in left]
            hits.append(sum(p == scenario.max_points for p in chosen) / len(left))
            points.append(sum(chosen) / len(left))
        out.append(WordCue(quiz, path, tuple(hits), tuple(points), source))
    return out


def telling_words(scenarios: Sequence[Scenario], top: int = 12) -> tuple[list[str], list[str]]:
    """The words that most mark best options, and weaker ones, over these scenarios (each
    seen in at least three options): what a writer should spread more evenly."""
    model = WordModel.learn(scenarios)
    seen: Counter[str] = Counter(w for s in scenarios for c in s.choices for w in words(c.text))
    ranked = sorted((w for w in model.weights if seen[w] >= 3), key=model.weights.__getitem__)
    return ranked[::-1][:top], ranked[:top]


def course_hit_rate(cues: Sequence[WordCue]) -> float:
    hits = [h for c in cues for h in c.hits]
    return sum(hits) / len(hits) if hits else 0.0


ADVICE = (
    "let weaker options use the words the best ones use elsewhere in the course (a check with "
    "the wrong person, a plan that comes too late), and let some best options be plain"
)


def word_problems(cues: Sequence[WordCue], rule: str, limit: float) -> list[ContentProblem]:
    """Quizzes over the hit-rate limit while the course is, and quizzes whose pass mark the
    learned model reaches."""
    course = course_hit_rate(cues)
    problems = []
    for cue in cues:
        said = []
        if course > limit and cue.hit_rate > limit:
            said.append(
                f"finds the best option in {course:.0%} of the course's scenarios (limit "
                f"{limit:.0%}) and {cue.hit_rate:.0%} of this quiz's"
            )
        if cue.reaches_pass_mark():
            said.append(f"scores {cue.score:.0%}, reaching the pass mark of {cue.quiz.pass_mark}%")
        if said:
            index = next((i for i, h in enumerate(cue.hits) if h >= 0.5), 0)
            at: Path_ = ("scenarios", index, "choices")
            problems.append(
                ContentProblem(
                    cue.path,
                    line_of(cue.source[3], at),
                    dotted(at),
                    f"cue rule {rule}: a word model learned from the other quizzes' keys "
                    f"{' and '.join(said)}, e.g. {', '.join(cue.hit_ids()[:4])}. To fix: {ADVICE}",
                )
            )
    return problems
