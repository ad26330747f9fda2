"""Guards on the real course in lessons/ and quizzes/ (CONTENT.md's standard)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat

from app.config import PROJECT_ROOT
from app.content.catalog import Catalog, load_catalog
from app.content.schema import LESSON_SECTIONS, Module

EXPECTED_IDS = [
    "why-allies-matter",
    "speak-to-her-supervisor",
    "be-frank-with-other-men",
    "promote-women",
    "mentor-women",
    "listen-to-women",
    "make-sure-her-ideas-are-heard",
    "challenge-the-likeability-penalty",
    "celebrate-her-accomplishments",
    "staying-an-ally",
]
# Every organisation or researcher CONTENT.md names, as the course must credit them.
REQUIRED_SOURCES = [
    "Center for Talent Innovation",
    "Morning Consult",
    "Center for Work-Life Policy",
    "Peterson Institute",
    "University of California, Davis",
    "Janine Bosak",
    "Dublin City University",
    "HeForShe",
    "Michael Kimmel",
    "Harvard",
]
REQUIRED_FACTS = [
    "64%",
    "50%",
    "21,980",
    "91 countries",
    "30%",
    "6.4%",
    "15%",
    "74%",
    "66%",
    "1,948,835",
    "#MeToo",
    "#TimesUp",
    "#AskMoreofHim",
]
# Each ground rule, as any of the ways the notes may phrase it.
GROUND_RULES = {
    "confidentiality": ("confidential", "stays here", "stays in the room", "stay in the room"),
    "good intent and impact": ("good intent",),
    "anyone may pass": ("pass",),
    "no recording": ("record",),
}


def lesson_grade(module: Module) -> float:
    """Flesch-Kincaid grade of the lesson's prose (textstat, a dev dependency)."""
    return float(textstat.flesch_kincaid_grade("\n\n".join(s.text for s in module.sections)))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT)


@pytest.fixture(scope="module")
def course_text() -> str:
    files = [
        *Path(PROJECT_ROOT, "lessons").glob("*.md"),
        *Path(PROJECT_ROOT, "quizzes").glob("*.yaml"),
    ]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_course_has_ten_modules_in_order(catalog: Catalog) -> None:
    assert [m.id for m in catalog.modules] == EXPECTED_IDS
    assert [m.order for m in catalog.modules] == list(range(10))


def test_every_lesson_has_required_sections_in_order(catalog: Catalog) -> None:
    for module in catalog.modules:
        assert tuple(s.title for s in module.sections) == LESSON_SECTIONS, module.id


@pytest.mark.parametrize("module_id", EXPECTED_IDS)
def test_lesson_length_and_readability(catalog: Catalog, module_id: str) -> None:
    module = catalog.by_id[module_id]
    assert 600 <= module.word_count <= 1200, f"{module_id}: {module.word_count} words"
    assert lesson_grade(module) <= 10, f"{module_id}: grade {lesson_grade(module)}"


def test_objectives_and_commitment_prompts(catalog: Catalog) -> None:
    for module in catalog.modules:
        assert 1 <= len(module.meta.objectives) <= 4
        commitment = next(s for s in module.sections if s.title == "Your if-then commitment")
        assert re.search(r"\bIf\b.*\bthen I will\b", commitment.text, re.S), module.id
        reflection = next(s for s in module.sections if s.title == "Reflection")
        assert "?" in reflection.text, module.id


def test_quizzes_have_six_scenarios_of_three_or_four_choices(catalog: Catalog) -> None:
    for module in catalog.modules:
        assert len(module.quiz.scenarios) >= 6, module.id
        for scenario in module.quiz.scenarios:
            assert 3 <= len(scenario.choices) <= 4, scenario.id


def test_every_choice_has_feedback_of_at_least_twenty_words(catalog: Catalog) -> None:
    for module in catalog.modules:
        for scenario in module.quiz.scenarios:
            for choice in scenario.choices:
                assert len(choice.feedback.split()) >= 20, f"{module.id}/{scenario.id}/{choice.id}"


def test_every_quiz_can_be_passed_and_has_partial_credit(catalog: Catalog) -> None:
    for module in catalog.modules:
        quiz = module.quiz
        assert quiz.max_score > 0 and quiz.pass_mark <= 100
        assert any(c.points == 1 for s in quiz.scenarios for c in s.choices), module.id


def test_best_answer_is_not_always_the_longest(catalog: Catalog) -> None:
    scenarios = [s for m in catalog.modules for s in m.quiz.scenarios]
    best_is_longest = sum(
        1 for s in scenarios if max(s.choices, key=lambda c: len(c.text)) in s.best_choices
    )
    assert best_is_longest < len(scenarios) / 2
    positions = {[c.id for c in s.choices].index(s.best_choices[0].id) for s in scenarios}
    assert len(positions) >= 3


def test_no_two_scenarios_share_a_prompt(catalog: Catalog) -> None:
    prompts = [s.situation.strip().lower() for m in catalog.modules for s in m.quiz.scenarios]
    assert len(prompts) == len(set(prompts))


def test_facilitator_notes_are_complete(catalog: Catalog) -> None:
    for module in catalog.modules:
        notes = module.quiz.facilitator
        assert notes is not None, module.id
        assert notes.minutes == 45
        assert 3 <= len(notes.discussion_questions) <= 5, module.id
        rules = " ".join(notes.ground_rules).lower()
        for rule, phrasings in GROUND_RULES.items():
            assert any(p in rules for p in phrasings), f"{module.id}: ground rules miss {rule!r}"
        assert "polic" in notes.disclosure.lower(), module.id
        assert notes.vote_scenarios and notes.derailing and notes.closing_commitment


def test_every_source_in_content_md_is_cited(course_text: str) -> None:
    for source in REQUIRED_SOURCES:
        assert source in course_text, source


def test_every_fact_in_content_md_appears(course_text: str) -> None:
    for fact in REQUIRED_FACTS:
        assert fact in course_text, fact
