"""`allyship check` on broken fixture content: every problem names its file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings
from app.content.catalog import ContentError, check_content, load_catalog
from app.main import create_app
from tests.conftest import FIXTURE_COURSE


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def problems_for(course: Path) -> list[str]:
    _, problems = check_content(course)
    return [str(p) for p in problems]


def test_fixture_course_is_valid(course: Path) -> None:
    catalog = load_catalog(course)
    assert catalog.counts() == {
        "modules": 2,
        "lessons": 2,
        "scenarios": 3,
        "choices": 10,
        "refreshers": 3,
    }


def test_yaml_syntax_error_reports_file_and_line(course: Path) -> None:
    edit(course / "quizzes/00-first-steps.yaml", "pass_mark: 80", "pass_mark: [80")
    found = problems_for(course)
    assert any(p.startswith("quizzes/00-first-steps.yaml:") and "syntax error" in p for p in found)


def test_missing_and_unknown_fields_are_reported_with_lines(course: Path) -> None:
    edit(course / "lessons/00-first-steps.md", "summary: A small", "summery: A small")
    found = problems_for(course)
    assert "lessons/00-first-steps.md:5: summery: is not a known field" in "\n".join(found)
    assert any(
        p.startswith("lessons/00-first-steps.md:") and "summary: is required" in p for p in found
    )


def test_typed_minutes_tell_the_author_to_remove_them(course: Path) -> None:
    edit(course / "lessons/00-first-steps.md", "order: 0\n", "order: 0\nminutes: 5\n")
    assert problems_for(course)[0] == (
        "lessons/00-first-steps.md:5: minutes: is worked out from the lesson's and quiz's words"
        " now; remove this line (see docs/writing-a-module.md)"
    )


def test_minutes_come_from_the_words(course: Path) -> None:
    """Lesson words at 200 a minute plus an average draw's words at 150, rounded up."""
    module = load_catalog(course).by_id["first-steps"]
    assert (module.word_count, module.quiz.draw_words) == (41, 70.0)
    assert module.minutes == 1  # 41/200 + 70/150 = 0.67
    long_body = "## Why it matters\n\n" + "word " * 390 + "\n\nCredit shapes careers."
    edit(
        course / "lessons/00-first-steps.md",
        "## Why it matters\n\nCredit shapes careers.",
        long_body,
    )
    assert load_catalog(course).by_id["first-steps"].minutes == 3  # 431/200 + 70/150 = 2.6


def test_choice_without_feedback_points_at_the_choice(course: Path) -> None:
    edit(
        course / "quizzes/00-first-steps.yaml",
        "        feedback: You credit her in the moment.\n",
        "",
    )
    found = problems_for(course)
    assert (
        "quizzes/00-first-steps.yaml:8: scenarios[0].choices[0].feedback: is required" in found[0]
    )
    assert len(found) == 1  # no knock-on "lesson has no quiz"


def test_fewer_than_three_choices(course: Path) -> None:
    path = course / "quizzes/01-second-steps.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("      - id: wait")])
    found = problems_for(course)
    assert any(
        "quizzes/01-second-steps.yaml:7: scenarios[0].choices: needs at least 3 choices" in p
        for p in found
    )


def test_no_best_choice(course: Path) -> None:
    edit(course / "quizzes/01-second-steps.yaml", "points: 2", "points: 1")
    assert any(
        "no best choice" in p and p.startswith("quizzes/01-second-steps.yaml:7:")
        for p in problems_for(course)
    )


def test_unreachable_pass_mark(course: Path) -> None:
    edit(course / "quizzes/00-first-steps.yaml", "pass_mark: 80", "pass_mark: 120")
    assert any(
        "quizzes/00-first-steps.yaml:2: pass_mark: is more than 100%" in p
        for p in problems_for(course)
    )


def test_duplicate_ids(course: Path) -> None:
    edit(course / "lessons/01-second-steps.md", "id: second-steps", "id: first-steps")
    found = "\n".join(problems_for(course))
    assert "lessons/01-second-steps.md:2: id: `first-steps` is used by another lesson" in found


def test_quiz_without_lesson_and_lesson_without_quiz(course: Path) -> None:
    (course / "lessons/01-second-steps.md").unlink()
    (course / "quizzes/00-first-steps.yaml").unlink()
    found = "\n".join(problems_for(course))
    assert "quizzes/01-second-steps.yaml:1: module: no lesson has id `second-steps`" in found
    assert "lessons/00-first-steps.md:2: quiz: lesson `first-steps` has no quiz" in found


def test_link_to_missing_module(course: Path) -> None:
    edit(course / "lessons/00-first-steps.md", "module:second-steps", "module:third-steps")
    found = "\n".join(problems_for(course))
    assert "lessons/00-first-steps.md:26: link: `module:third-steps` is not a module" in found


def test_sections_out_of_order(course: Path) -> None:
    edit(course / "lessons/00-first-steps.md", "## Common pitfalls", "## Pitfalls")
    assert any("lessons/00-first-steps.md:20: sections:" in p for p in problems_for(course))


def test_server_refuses_to_start_on_invalid_content(course: Path, db_url: str) -> None:
    edit(course / "quizzes/00-first-steps.yaml", "pass_mark: 80", "pass_mark: 120")
    with pytest.raises(ContentError) as info:
        create_app(Settings(database_url=db_url, content_dir=course))
    assert "quizzes/00-first-steps.yaml:2: pass_mark" in str(info.value)


def test_cli_check_prints_problems_and_exits_1(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(course / "quizzes/00-first-steps.yaml", "pass_mark: 80", "pass_mark: 120")
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(course))
    from app.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["check"])
        assert result.exit_code == 1
        assert "quizzes/00-first-steps.yaml:2: pass_mark:" in result.output
        as_json = CliRunner().invoke(cli, ["check", "--json"])
        body = json.loads(as_json.stdout)
        assert body["errors"][0]["line"] == 2 and body["modules"] == 0
    finally:
        get_settings.cache_clear()


def test_cli_check_json_counts_on_valid_content(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLYSHIP_CONTENT_DIR", str(course))
    from app.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["check", "--json"])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {
            "modules": 2,
            "lessons": 2,
            "scenarios": 3,
            "choices": 10,
            "refreshers": 3,
            "errors": [],
            "cue_warnings": 0,
        }
    finally:
        get_settings.cache_clear()


def test_scenario_objective_must_exist_in_the_lesson(course: Path) -> None:
    edit(
        course / "quizzes/00-first-steps.yaml",
        "  - id: standup\n",
        "  - id: standup\n    objectives: [1, 3]\n",
    )
    found = problems_for(course)
    assert found == [
        "quizzes/00-first-steps.yaml:5: scenarios[0].objectives[1]: objective 3 does not exist;"
        " the lesson has objectives 1 to 1"
    ]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("quizzes/02-extra.yaml", b"- a list\n", "quiz: must be a mapping with module, pass_mark"),
        ("quizzes/02-extra.yaml", b"module: x\xff\n", "encoding: is not UTF-8"),
        (
            "quizzes/refreshers/00-first-steps.yaml",
            b"- a list\n",
            "refreshers: must be a mapping with module, scenarios",
        ),
        ("quizzes/refreshers/00-first-steps.yaml", b"module: \xff\n", "encoding: is not UTF-8"),
    ],
)
def test_quiz_and_refresher_files_that_cannot_be_read_say_why_on_line_1(
    course: Path, name: str, raw: bytes, expected: str
) -> None:
    (course / name).parent.mkdir(exist_ok=True)
    (course / name).write_bytes(raw)
    assert f"{name}:1: {expected}" in "\n".join(problems_for(course))


def test_an_invalid_quiz_names_its_module_as_broken_not_missing(course: Path) -> None:
    edit(course / "quizzes/00-first-steps.yaml", "pass_mark: 80", "pass_mark: lots")
    found = "\n".join(problems_for(course))
    assert "quizzes/00-first-steps.yaml:2: pass_mark:" in found
    assert "has no quiz" not in found
