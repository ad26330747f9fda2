"""Content releases: hashes per release, material modules reopened for completers only, the
refusals (unknown or unchanged module, empty or huge note, first release), two at once, status."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.content.catalog import Catalog
from app.db import write_session
from app.errors import Conflict, DomainError, Invalid
from app.learning.releases import make_release, status
from app.models import (
    Completion,
    ContentRelease,
    LessonProgress,
    ModuleReopen,
    QuizAttempt,
    ReleasedModule,
)
from app.models.content import NOTE_MAX
from tests.concurrency import at_once
from tests.content.releases import baseline_then_material, completed, edited_catalog, edited_course
from tests.factories import make_user
from tests.hr.factories import make_attempt, make_read


@pytest.fixture
def catalog(app: FastAPI) -> Catalog:
    return app.state.catalog  # type: ignore[no-any-return]


def test_module_hash_follows_what_learners_see(catalog: Catalog, tmp_path: Path) -> None:
    edited = edited_catalog(tmp_path)
    first, second = catalog.modules
    assert first.content_hash != edited.modules[0].content_hash  # the lesson text changed
    assert second.content_hash == edited.modules[1].content_hash
    scenarios = tuple(
        s.model_copy(update={"title": "Another title"}) if n == 0 else s
        for n, s in enumerate(first.quiz.scenarios)
    )
    quiz = dataclasses.replace(first.quiz, scenarios=scenarios)
    assert dataclasses.replace(first, quiz=quiz).content_hash != first.content_hash
    notes_only = dataclasses.replace(first.quiz, facilitator=None)
    assert dataclasses.replace(first, quiz=notes_only).content_hash == first.content_hash


def test_release_records_every_module_hash_and_which_are_material(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    result = baseline_then_material(session, catalog, tmp_path)
    assert result.number == 2 and result.material == ["first-steps"]
    rows = session.exec(select(ReleasedModule).order_by(ReleasedModule.id)).all()  # type: ignore[arg-type]
    assert [(r.module_id, r.material) for r in rows] == [
        ("first-steps", False),
        ("second-steps", False),
        ("first-steps", True),
        ("second-steps", False),
    ]
    assert rows[0].content_hash != rows[2].content_hash
    assert rows[1].content_hash == rows[3].content_hash == catalog.modules[1].content_hash
    note = session.exec(select(ContentRelease.note).where(ContentRelease.number == 2)).one()
    assert note == "New pay data."


def test_material_release_reopens_the_module_only_for_people_who_completed_it(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    done = make_user(session, "done@example.com")
    completed(session, done)
    completed(session, done, "second-steps")
    reading = make_user(session, "reading@example.com")
    make_read(session, reading)
    make_attempt(session, reading, points={"standup": 0, "review": 0})
    leaver = make_user(session, "leaver@example.com", active=False)
    completed(session, leaver)
    result = baseline_then_material(session, catalog, tmp_path)
    assert result.reopened == {"first-steps": 1}
    session.expire_all()
    reopened = session.exec(select(ModuleReopen)).one()
    assert (reopened.user_id, reopened.module_id, reopened.cycle) == (done.id, "first-steps", 1)
    for model in (LessonProgress, QuizAttempt, Completion):
        rows = session.exec(select(model).where(model.user_id == done.id)).all()  # type: ignore[attr-defined]
        by_module = {r.module_id: r.superseded_by for r in rows}
        assert by_module == {"first-steps": 2, "second-steps": 0}, model
    for person in (reading, leaver):
        for model in (LessonProgress, QuizAttempt, Completion):
            rows = session.exec(select(model).where(model.user_id == person.id)).all()  # type: ignore[attr-defined]
            assert all(r.superseded_by == 0 for r in rows)


def test_minor_release_changes_nothing_for_learners(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    done = make_user(session, "done@example.com")
    completed(session, done)
    make_release(session, catalog, material=[], note="Baseline.")
    make_release(session, edited_catalog(tmp_path), material=[], note="Typo fixed.")
    session.expire_all()
    assert session.exec(select(ModuleReopen)).all() == []
    assert session.exec(select(Completion.superseded_by)).all() == [0]


def test_a_person_in_a_later_cycle_who_completed_only_before_is_not_reopened(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    ana = make_user(session, "ana@example.com")
    completed(session, ana)
    ana.cycle = 2
    session.add(ana)
    session.commit()
    result = baseline_then_material(session, catalog, tmp_path)
    assert result.reopened == {"first-steps": 0}


@pytest.mark.parametrize(
    ("material", "note", "says"),
    [
        (["no-such-module"], "Changed.", "No module called no-such-module in the course"),
        (["second-steps"], "Changed.", "second-steps has not changed since release 1"),
        (["first-steps"], "   ", "The release note is empty"),
        (["first-steps"], "x" * (NOTE_MAX + 1), f"keep it under {NOTE_MAX}"),
    ],
)
def test_a_release_is_refused_with_a_reason(
    session: Session, catalog: Catalog, tmp_path: Path, material: list[str], note: str, says: str
) -> None:
    done = make_user(session, "done@example.com")
    completed(session, done)
    make_release(session, catalog, material=[], note="Baseline.")
    with pytest.raises(Invalid) as refused:
        make_release(session, edited_catalog(tmp_path), material=material, note=note)
    assert says in refused.value.message
    session.rollback()
    assert session.exec(select(ContentRelease.number)).all() == [1]
    assert session.exec(select(ModuleReopen)).all() == []


def test_the_first_release_cannot_be_material(session: Session, catalog: Catalog) -> None:
    with pytest.raises(Invalid, match="first content release"):
        make_release(session, catalog, material=["first-steps"], note="Everything.")


def test_two_releases_at_once_make_one_and_reopen_once(
    app: FastAPI, session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    done = make_user(session, "done@example.com")
    completed(session, done)
    make_release(session, catalog, material=[], note="Baseline.")
    edited = edited_catalog(tmp_path)

    def release() -> str:
        with write_session(app.state.engine) as own:
            try:
                return str(make_release(own, edited, material=["first-steps"], note="A").number)
            except DomainError as exc:
                return type(exc).__name__

    outcomes = sorted(at_once(release, release))
    # The second waits for the first: its number is taken (Conflict) or, once the first
    # committed, first-steps has not changed since release 2 (Invalid).
    assert outcomes[0] == "2" and outcomes[1] in (Conflict.__name__, Invalid.__name__)
    session.expire_all()
    assert session.exec(select(ContentRelease.number)).all() == [1, 2]
    assert len(session.exec(select(ModuleReopen)).all()) == 1


def test_the_release_number_is_a_unique_key(session: Session) -> None:
    session.add(ContentRelease(number=1, note="One."))
    session.commit()
    session.add(ContentRelease(number=1, note="Also one."))
    with pytest.raises(IntegrityError):
        session.commit()


def test_status_lists_changed_new_and_removed_modules(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    assert {m.state for m in status(session, catalog).modules} == {"new"}
    make_release(session, catalog, material=[], note="Baseline.")
    assert status(session, catalog).changed == []
    course = edited_course(tmp_path)
    (course / "lessons/01-second-steps.md").unlink()
    (course / "quizzes/01-second-steps.yaml").unlink()
    (course / "lessons/00-first-steps.md").write_text(
        (course / "lessons/00-first-steps.md")
        .read_text()
        .replace(" See also [the next step](module:second-steps).", ""),
        encoding="utf-8",
    )
    from app.content.catalog import load_catalog

    found = status(session, load_catalog(course))
    assert found.last_number == 1
    assert [(m.module_id, m.state) for m in found.changed] == [
        ("first-steps", "changed"),
        ("second-steps", "removed"),
    ]
    make_release(session, load_catalog(course), material=["first-steps"], note="Removed one.")
    assert session.exec(select(ModuleReopen)).all() == []  # nobody had completed it
