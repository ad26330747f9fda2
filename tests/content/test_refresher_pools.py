"""Refresher pools (quizzes/refreshers/): the real course's pools, and the checks on any pool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalog import Catalog, check_content, load_catalog
from app.content.cues import ALL_RULES, check_cues
from app.content.refreshers import copied_share
from tests.conftest import FIXTURE_COURSE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POOL = """module: first-steps
scenarios:
  - id: new-one
    title: A new one
    situation: {situation}
    choices:
      - id: a
        text: Name her work to her manager in writing the same week.
        points: 2
        feedback: Specific and written, where it counts.
      - id: b
        text: Thank her in the corridor.
        points: 1
        feedback: Kind, but nobody who decides hears it.
      - id: c
        text: Leave it for the annual review.
        points: 0
        feedback: By then the details are gone.
"""


@pytest.fixture(scope="module")
def real() -> Catalog:
    return load_catalog(PROJECT_ROOT)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    (tmp_path / "course/quizzes/refreshers").mkdir(exist_ok=True)  # the fixture has a pool
    return tmp_path / "course"


def write_pool(course: Path, text: str) -> None:
    (course / "quizzes/refreshers/00-first-steps.yaml").write_text(text, encoding="utf-8")


def problems(course: Path) -> list[str]:
    return [str(p) for p in check_content(course)[1]]


def test_real_course_has_three_refreshers_a_module_and_thirty_in_all(real: Catalog) -> None:
    counts = {m.id: len(m.quiz.refreshers) for m in real.modules}
    assert all(n >= 3 for n in counts.values()), counts
    assert sum(counts.values()) >= 30 and real.counts()["refreshers"] >= 30


def test_real_refreshers_meet_the_quiz_bar(real: Catalog) -> None:
    for module in real.modules:
        for scenario in module.quiz.refreshers:
            assert 3 <= len(scenario.choices) <= 4, scenario.id
            assert scenario.max_points == 2, scenario.id
            for choice in scenario.choices:
                assert len(choice.feedback.split()) >= 20, f"{scenario.id}/{choice.id}"


def test_real_refreshers_reuse_no_quiz_scenario(real: Catalog) -> None:
    quiz = [s for m in real.modules for s in m.quiz.scenarios]
    quiz_ids = {s.id for s in quiz}
    for module in real.modules:
        for refresher in module.quiz.refreshers:
            assert refresher.id not in quiz_ids
            assert max(copied_share(refresher, q) for q in quiz) < 0.2, refresher.id


def test_real_refreshers_pass_every_cue_rule() -> None:
    assert check_cues(PROJECT_ROOT, ALL_RULES) == []


def test_a_pool_loads_onto_its_module_and_changes_its_content_hash(course: Path) -> None:
    before = load_catalog(course).by_id["first-steps"].content_hash
    write_pool(course, POOL.format(situation="Mira's fix saved the launch; her manager is away."))
    module = load_catalog(course).by_id["first-steps"]
    assert [s.id for s in module.quiz.refreshers] == ["new-one"]
    assert module.quiz.refresher_path == "quizzes/refreshers/00-first-steps.yaml"
    assert module.content_hash != before
    assert [s.id for s in module.quiz.scenarios] == ["standup", "review"]


def test_a_refresher_with_a_quiz_scenarios_id_is_refused(course: Path) -> None:
    write_pool(course, POOL.format(situation="Mira's fix.").replace("new-one", "standup"))
    assert any("`standup` is a quiz scenario's id" in p for p in problems(course))


def test_a_refresher_copying_a_quiz_situation_is_refused(course: Path) -> None:
    copied = "Ana suggests a fix; later Bo repeats it and is thanked."
    text = POOL.format(situation=copied).replace(
        "Name her work to her manager in writing the same week.",
        "Say it was Ana's idea and let her go on.",
    )
    write_pool(course, text)
    found = problems(course)
    assert any(
        p.startswith("quizzes/refreshers/00-first-steps.yaml:5: scenarios[0].situation")
        and "quiz scenario `standup`" in p
        for p in found
    ), found


def test_a_pool_for_an_unknown_module_is_refused(course: Path) -> None:
    write_pool(course, POOL.format(situation="x").replace("first-steps", "no-such-module"))
    assert any("no module has id `no-such-module`" in p for p in problems(course))


def test_a_pool_follows_the_quiz_rules(course: Path) -> None:
    write_pool(course, POOL.format(situation="x").replace("points: 2", "points: 1"))
    assert any("no best choice" in p for p in problems(course))
    write_pool(course, POOL.format(situation="x").replace("points: 0", "points: 7"))
    assert any(p.startswith("quizzes/refreshers/00-first-steps.yaml:") for p in problems(course))


def test_a_refresher_objective_must_exist(course: Path) -> None:
    write_pool(
        course,
        POOL.format(situation="x").replace(
            "    title: A new one", "    title: A new one\n    objectives: [9]"
        ),
    )
    assert any("objective 9 does not exist" in p for p in problems(course))


def test_two_pools_for_one_module_are_refused(course: Path) -> None:
    write_pool(course, POOL.format(situation="x"))
    text = POOL.format(situation="y").replace("new-one", "other-one")
    (course / "quizzes/refreshers/00-again.yaml").write_text(text, encoding="utf-8")
    assert any("already has refreshers" in p for p in problems(course))


def test_the_cue_checker_sees_refreshers(course: Path) -> None:
    """Every best option the longest and quoting speech: the pool breaks the rules."""
    scenarios = "".join(
        f"""  - id: cue-{n}
    title: Cue {n}
    situation: Situation {n}.
    choices:
      - id: a
        text: 'Say, "I would like to hear the rest of it from you, please," and wait.'
        points: 2
        feedback: Best.
      - id: b
        text: Nod.
        points: 0
        feedback: No.
      - id: c
        text: Leave.
        points: 1
        feedback: Partly.
"""
        for n in range(8)
    )
    write_pool(course, "module: first-steps\nscenarios:\n" + scenarios)
    found = [str(p) for p in check_cues(course, ALL_RULES)]
    assert any(p.startswith("quizzes/refreshers:") and "pass-mark" in p for p in found), found
