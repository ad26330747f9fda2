"""A material content release reopens a completed module on the learner's dashboard, with the
release note (escaped); the learner takes it again; earlier rows and the certificate stay; a
forged form cannot hide someone else's note; a paper open during the release."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.content.catalog import Catalog
from app.learning.releases import make_release
from app.models import Certificate, Completion, ContentRelease, ModuleReopen, QuizAttempt
from tests.conftest import csrf_from, login
from tests.content.releases import baseline_then_material, edited_catalog
from tests.factories import make_user
from tests.learning.test_learner_journey import mark_read, signed_in, submit

PASS_FIRST = {"standup": "credit", "review": "finish"}
PASS_SECOND = {"quiet-colleague": "wait"}


def finish_course(client: TestClient) -> None:
    mark_read(client, "first-steps")
    submit(client, "first-steps", PASS_FIRST)
    mark_read(client, "second-steps")
    submit(client, "second-steps", PASS_SECOND)


def release(app: FastAPI, session: Session, tmp_path: Path, note: str = "New pay data.") -> None:
    catalog: Catalog = app.state.catalog
    baseline_then_material(session, catalog, tmp_path, note=note)


def test_reopened_module_is_to_do_again_with_the_note_and_history_stays(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    finish_course(client)
    code = session.exec(select(Certificate.code)).one()
    release(app, session, tmp_path)
    page = client.get("/").text
    assert 'id="change-notes"' in page and "New pay data." in page
    assert "1 of 2 modules" in page
    assert 'href="/modules/first-steps"' in page  # continue: the reopened module
    submit(client, "first-steps", PASS_FIRST)
    assert len(session.exec(select(Completion)).all()) == 2  # not complete before the lesson
    mark_read(client, "first-steps")
    session.expire_all()
    done = session.exec(select(Completion).where(Completion.module_id == "first-steps")).all()
    assert sorted(c.superseded_by for c in done) == [0, 2]  # the earlier completion is kept
    assert len(session.exec(select(QuizAttempt)).all()) == 3
    assert session.exec(select(Certificate.code)).all() == [code]  # its cycle's certificate
    page = client.get("/").text
    assert 'id="change-notes"' not in page and "2 of 2 modules" in page
    assert client.get(f"/verify/{code}").status_code == 200


def test_minor_release_leaves_the_dashboard_as_it_was(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    finish_course(client)
    before = client.get("/").text
    make_release(session, app.state.catalog, material=[], note="Baseline.")
    make_release(session, edited_catalog(tmp_path), material=[], note="A typo.")
    after = client.get("/").text
    assert "2 of 2 modules" in after and 'id="change-notes"' not in after
    assert before.count("Passed") == after.count("Passed")


def test_a_note_with_markup_is_shown_as_text(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    submit(client, "first-steps", PASS_FIRST)
    release(app, session, tmp_path, note='<script>alert(1)</script><a href="x">more</a>')
    page = client.get("/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&#34;x&#34;&gt;more" in page


def test_a_learner_hides_their_own_note_but_not_someone_elses(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    submit(client, "first-steps", PASS_FIRST)
    release(app, session, tmp_path)
    note = session.exec(select(ModuleReopen)).one()
    bo = TestClient(app, follow_redirects=False)
    make_user(session, "bo@example.com", name="Bo")
    assert login(bo, "bo@example.com").status_code == 303  # type: ignore[attr-defined]
    token = csrf_from(bo.get("/").text)
    forged = bo.post(f"/changes/{note.id}/hide", data={"csrf_token": token})
    assert forged.status_code == 404
    assert bo.post("/changes/not-a-number/hide", data={"csrf_token": token}).status_code == 404
    session.expire_all()
    assert session.get(ModuleReopen, note.id).note_read_at is None  # type: ignore[union-attr]
    assert "New pay data." in client.get("/").text
    token = csrf_from(client.get("/").text)
    assert client.post(f"/changes/{note.id}/hide", data={}).status_code == 403  # no CSRF token
    assert client.post(f"/changes/{note.id}/hide", data={"csrf_token": token}).status_code == 303
    page = client.get("/").text
    assert "New pay data." not in page
    assert "0 of 2 modules" in page and "Start the course: First steps" in page  # still to do


def test_a_paper_open_during_the_release_counts_but_the_lesson_must_be_read_again(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    submit(client, "first-steps", PASS_FIRST)
    quiz = client.get("/modules/first-steps/quiz")  # a retake: the paper is drawn now
    assert quiz.status_code == 200
    release(app, session, tmp_path)
    data = {
        "csrf_token": csrf_from(quiz.text),
        "quiz_hash": quiz.text.split('name="quiz_hash" value="', 1)[1].split('"', 1)[0],
        "submission_id": quiz.text.split('name="submission_id" value="', 1)[1].split('"', 1)[0],
        "draw_id": quiz.text.split('name="draw_id" value="', 1)[1].split('"', 1)[0],
    } | {f"answer-{k}": v for k, v in PASS_FIRST.items()}
    assert client.post("/modules/first-steps/quiz", data=data).status_code in (200, 303)
    session.expire_all()
    latest = session.exec(select(QuizAttempt).order_by(col(QuizAttempt.id).desc())).first()
    assert latest is not None and latest.superseded_by == 0 and latest.passed
    current = select(Completion).where(Completion.superseded_by == 0)
    assert session.exec(current).all() == []  # the new lesson is not read yet
    mark_read(client, "first-steps")
    assert len(session.exec(current).all()) == 1


def test_a_module_removed_from_the_course_shows_no_note(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Path
) -> None:
    signed_in(client, session)
    mark_read(client, "first-steps")
    submit(client, "first-steps", PASS_FIRST)
    release(app, session, tmp_path)
    note = session.exec(select(ModuleReopen)).one()
    note.module_id = "gone-module"
    session.add(note)
    session.commit()
    page = client.get("/")
    assert page.status_code == 200 and 'id="change-notes"' not in page.text
    assert session.exec(select(ContentRelease.number)).all() == [1, 2]
