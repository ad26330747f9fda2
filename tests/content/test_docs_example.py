"""The README's "Writing a module" example is a valid module (docs cannot drift from the code)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from app.config import PROJECT_ROOT
from app.content.catalog import check_content


def test_readme_module_example_passes_the_checker(tmp_path: Path) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Writing a module") :]
    lesson = re.search(r"`(lessons/[^`]+\.md)`\s*```markdown\n(.*?)```", section, re.S)
    quiz = re.search(r"`(quizzes/[^`]+\.yaml)`\s*```yaml\n(.*?)```", section, re.S)
    assert lesson and quiz, "README lost its example lesson or quiz"
    for folder in ("lessons", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    (tmp_path / lesson.group(1)).write_text(lesson.group(2), encoding="utf-8")
    (tmp_path / quiz.group(1)).write_text(quiz.group(2), encoding="utf-8")
    catalog, problems = check_content(tmp_path)
    assert problems == [], [str(p) for p in problems]
    assert catalog is not None and catalog.get("credit-in-the-room") is not None
