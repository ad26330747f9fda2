"""lessons/measures.yaml is checked with the course: `allyship check` names each problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.content.catalog import check_content
from app.content.measures import FILE, check_measures
from tests.conftest import PROJECT_ROOT


def _course(tmp_path: Path, measures: str) -> Path:
    for folder in ("lessons", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    (tmp_path / FILE).write_text(measures, encoding="utf-8")
    return tmp_path


def test_measures_real_file_is_valid() -> None:
    measures, problems = check_measures(PROJECT_ROOT)
    assert problems == [] and measures is not None


def test_measures_unknown_module_and_twice_used_id_are_problems(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / FILE).read_text(encoding="utf-8")
    text = text.replace("module: mentor-women", "module: mentor-everyone")
    text = text.replace("id: believe-her", "id: mentor-her")
    _catalog, problems = check_content(_course(tmp_path, text))
    found = {(p.path, p.field) for p in problems}
    assert (FILE, "items[3].module") in found
    assert (FILE, "items[4].id") in found
    assert all(p.line > 1 for p in problems)


def test_measures_missing_scale_label_is_a_problem(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / FILE).read_text(encoding="utf-8")
    text = text.replace('  high: "Completely confident"\n', "")
    _catalog, problems = check_content(_course(tmp_path, text))
    assert [(p.field, "required" in p.message) for p in problems] == [("scale.high", True)]
