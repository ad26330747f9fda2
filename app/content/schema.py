"""Typed models of the course files; unknown fields are errors."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# The most points one answer can earn: also the most one person adds to a scenario sum,
# which is the sensitivity released figures are noised for (app/privacy.py).
MAX_CHOICE_POINTS = 2
LESSON_SECTIONS = (
    "Why it matters",
    "What it looks like in practice",
    "Common pitfalls",
    "One thing to try this week",
    "Reflection",
    "Your if-then commitment",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LessonMeta(Strict):
    id: str = Field(pattern=SLUG, max_length=100)
    title: str = Field(min_length=1, max_length=200)
    order: int = Field(ge=0, le=999)
    summary: str = Field(min_length=1, max_length=400)
    objectives: list[str] = Field(min_length=1, max_length=4)
    sources: list[str] = Field(min_length=1)


LESSON_WORDS_A_MINUTE = 200
QUIZ_WORDS_A_MINUTE = 150
ScenarioTag = Literal["intersectional", "manager", "bystander"]


class Choice(Strict):
    id: str = Field(pattern=SLUG, max_length=100)
    text: str = Field(min_length=1)
    points: int = Field(ge=0, le=MAX_CHOICE_POINTS)
    feedback: str = Field(min_length=1)


class Scenario(Strict):
    id: str = Field(pattern=SLUG, max_length=100)
    title: str = Field(min_length=1, max_length=200)
    situation: str = Field(min_length=1)
    question: str = "What do you do?"
    choices: list[Choice] = Field(min_length=3, max_length=4)
    discussion: list[str] = Field(default_factory=list, max_length=5)
    # 1-based numbers of the lesson objectives this scenario tests; a draw covers them all.
    objectives: list[int] = Field(default_factory=list, max_length=4)
    # What kind of scenario it is, so the checker can count the course's coverage.
    tags: list[ScenarioTag] = Field(default_factory=list, max_length=3)

    @property
    def max_points(self) -> int:
        return max(c.points for c in self.choices)

    @property
    def best_choices(self) -> list[Choice]:
        return [c for c in self.choices if c.points == self.max_points]

    def choice(self, choice_id: str) -> Choice | None:
        return self._choices_by_id.get(choice_id)

    @cached_property
    def _choices_by_id(self) -> dict[str, Choice]:
        """Looked up for every answer of every submission (the model is frozen)."""
        return {c.id: c for c in self.choices}

    @property
    def words(self) -> int:
        """What a learner reads to answer it (feedback comes after, on the result page)."""
        texts = [self.title, self.situation, self.question, *(c.text for c in self.choices)]
        return sum(len(text.split()) for text in texts)


class TimingStep(Strict):
    minutes: int = Field(ge=1, le=120)
    activity: str = Field(min_length=1)


class FacilitatorNotes(Strict):
    minutes: int = Field(ge=10, le=180)
    timing: list[TimingStep] = Field(min_length=1)
    ground_rules: list[str] = Field(min_length=1)
    discussion_questions: list[str] = Field(min_length=1, max_length=8)
    vote_scenarios: list[str] = Field(min_length=1)
    derailing: str = Field(min_length=1)
    disclosure: str = Field(min_length=1)
    closing_commitment: str = Field(min_length=1)


class QuizFile(Strict):
    module: str = Field(pattern=SLUG)
    pass_mark: int = Field(ge=1, le=100)
    # How many scenarios one attempt draws from the pool.
    draw: int = Field(default=6, ge=1, le=20)
    scenarios: list[Scenario] = Field(min_length=1)
    facilitator: FacilitatorNotes | None = None


class RefresherFile(Strict):
    """quizzes/refreshers/NN-slug.yaml: a module's refresher pool, in the quiz's scenario format.

    Refreshers are asked one at a time days after a learner passed the module (never in a
    quiz draw), so the file has no pass mark, draw or facilitator notes.
    """

    module: str = Field(pattern=SLUG)
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass(frozen=True)
class LessonSection:
    title: str
    anchor: str
    html: str
    text: str


@dataclass(frozen=True)
class Quiz:
    module_id: str
    pass_mark: int
    scenarios: tuple[Scenario, ...]
    facilitator: FacilitatorNotes | None
    content_hash: str
    path: str
    draw: int = 6  # scenarios per attempt
    # The module's refresher pool (quizzes/refreshers/), never drawn into an attempt.
    refreshers: tuple[Scenario, ...] = ()
    refresher_path: str = ""

    # Worked out once per loaded quiz (the dataclass is frozen; cached_property sets the
    # instance's __dict__ directly): pages ask for these on every request.
    @cached_property
    def max_score(self) -> int:
        return sum(s.max_points for s in self.scenarios)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return self._scenarios_by_id.get(scenario_id)

    @cached_property
    def _scenarios_by_id(self) -> dict[str, Scenario]:
        return {s.id: s for s in self.scenarios}

    def refresher(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.refreshers if s.id == scenario_id), None)

    @cached_property
    def draw_words(self) -> float:
        """Words one attempt asks on average: a scenario's mean words times the draw size."""
        words = [s.words for s in self.scenarios]
        return sum(words) / len(words) * min(self.draw, len(words)) if words else 0.0


@dataclass(frozen=True)
class Module:
    meta: LessonMeta
    sections: tuple[LessonSection, ...]
    quiz: Quiz
    path: str
    word_count: int

    @cached_property
    def minutes(self) -> int:
        """Reading time, from the words: the lesson at 200 a minute, a draw at 150."""
        return math.ceil(
            self.word_count / LESSON_WORDS_A_MINUTE + self.quiz.draw_words / QUIZ_WORDS_A_MINUTE
        )

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of what learners see: the lesson's front matter and rendered sections, and
        the quiz's pass mark, draw size and whole scenario pool (texts, choices, points,
        feedback). Facilitator notes are left out: learners never see them. Organisation
        slots hash as their markers, so changing a setting is not a content change. The
        refresher pool counts too, when the module has one (a release then covers it)."""
        seen: dict[str, object] = {
            "lesson": self.meta.model_dump(mode="json"),
            "sections": [(s.title, s.html) for s in self.sections],
            "quiz": {
                "pass_mark": self.quiz.pass_mark,
                "draw": self.quiz.draw,
                "scenarios": [s.model_dump(mode="json") for s in self.quiz.scenarios],
            },
        }
        if self.quiz.refreshers:
            seen["refreshers"] = [s.model_dump(mode="json") for s in self.quiz.refreshers]
        raw = json.dumps(seen, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def order(self) -> int:
        return self.meta.order
