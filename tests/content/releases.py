"""Helpers for content-release tests: an edited copy of the fixture course, a finished module."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import Session

from app.content.catalog import Catalog, load_catalog
from app.learning.releases import ReleaseResult, make_release
from app.models import Completion, LessonProgress, User
from tests.conftest import FIXTURE_COURSE
from tests.hr.factories import make_attempt

LESSON = "lessons/00-first-steps.md"


def edited_course(root: Path, old: str = "Credit shapes careers.", new: str = "") -> Path:
    """A copy of the fixture course whose first-steps lesson says something else."""
    target = root / "course"
    if not target.exists():
        shutil.copytree(FIXTURE_COURSE, target)
    lesson = target / LESSON
    lesson.write_text(
        lesson.read_text().replace(old, new or "Credit shapes careers and pay."), encoding="utf-8"
    )
    return target


def edited_catalog(root: Path) -> Catalog:
    return load_catalog(edited_course(root))


def completed(session: Session, user: User, module_id: str = "first-steps") -> None:
    """`user` read the lesson, passed the quiz and completed the module (current cycle)."""
    uid = user.id or 0
    session.add(LessonProgress(user_id=uid, module_id=module_id, completed_at=user.created_at))
    session.add(Completion(user_id=uid, module_id=module_id))
    session.commit()
    make_attempt(session, user, module_id)


def baseline_then_material(
    session: Session, catalog: Catalog, root: Path, note: str = "New pay data."
) -> ReleaseResult:
    """Release today's course, then release first-steps edited, as material."""
    make_release(session, catalog, material=[], note="Baseline.")
    return make_release(session, edited_catalog(root), material=["first-steps"], note=note)
