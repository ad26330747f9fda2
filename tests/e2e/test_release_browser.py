"""A material content release in a real browser: the learner completes a module, the author
runs `allyship content release --material`, the learner's dashboard shows the module to do
again with the note, and HR's person page still lists the earlier completion.

The test has its own server and database: a release reopens modules for everyone, so it must
not touch the shared live server's people.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import PROJECT_ROOT, get_settings
from app.content.catalog import load_catalog
from app.db import session_for
from app.db.migrate import upgrade
from app.models import Assignment, User
from tests.e2e.conftest import LiveServer, assert_accessible, option, shot, shown_scenarios, sign_in
from tests.factories import make_user
from tests.servers import start_server, stop_server

MODULE = "why-allies-matter"
NOTE = "The statistics on promotion gaps were updated to the 2026 figures."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('release') / 'release.db'}"
    upgrade(db_url)
    with session_for(db_url) as session:
        ana = make_user(session, "rel-learner@example.com", name="Rel Learner")
        make_user(session, "rel-hr@example.com", name="Rel HR", role="hr")
        session.add(Assignment(user_id=ana.id or 0, module_id=MODULE, due_at=ana.created_at))
        session.commit()
    proc, url = start_server(db_url)
    yield LiveServer(url=url, db_url=db_url, catalog=load_catalog(PROJECT_ROOT))
    stop_server(proc)


def edited_content(root: Path) -> Path:
    """A copy of the course whose first lesson says something else (as an author's edit)."""
    for folder in ("lessons", "quizzes"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    lesson = next((root / "lessons").glob(f"*-{MODULE}.md"))
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("## Why it matters\n", "## Why it matters\n\nUpdated.\n", 1))
    return root


def release(server: LiveServer, content: Path, *args: str) -> str:
    env = {"ALLYSHIP_DATABASE_URL": server.db_url, "ALLYSHIP_CONTENT_DIR": str(content)}
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["content", "release", *args], env=env)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


def complete_module(page: Page, server: LiveServer) -> None:
    page.get_by_role("link", name=re.compile("Why allies matter")).first.click()
    page.get_by_role("button", name="Mark as read and go to the quiz").click()
    quiz = server.catalog.by_id[MODULE].quiz
    best = {s.id: s.best_choices[0].id for s in quiz.scenarios}
    for scenario_id in shown_scenarios(page):
        option(page, server, MODULE, scenario_id, best[scenario_id]).check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator("#quiz-result")).to_contain_text("This module is complete")


def test_a_material_release_reopens_a_completed_module(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    sign_in(page, server, "rel-learner@example.com")
    complete_module(page, server)
    page.goto(f"{server.url}/")
    expect(page.get_by_text("10% of the course complete")).to_be_visible()

    release(server, PROJECT_ROOT, "--note", "Baseline.")
    said = release(server, edited_content(tmp_path), "--material", MODULE, "--note", NOTE)
    assert f"Reopened {MODULE} for 1 person(s)" in said

    page.goto(f"{server.url}/")
    notes = page.locator("#change-notes")
    expect(notes).to_contain_text("Why allies matter")
    expect(notes).to_contain_text(NOTE)
    expect(page.get_by_text("0% of the course complete")).to_be_visible()
    shot(page, "learner-dashboard-reopened")
    assert_accessible(page, "dashboard with a reopened module")
    notes.get_by_role("button", name="Hide this note").click()
    expect(page.locator("#change-notes")).to_have_count(0)
    page.context.clear_cookies()

    with session_for(server.db_url) as session:
        learner = session.exec(select(User.id).where(User.email == "rel-learner@example.com")).one()
    sign_in(page, server, "rel-hr@example.com")
    page.goto(f"{server.url}/hr")
    expect(page.locator("#must-retake")).to_contain_text("Why allies matter")
    page.goto(f"{server.url}/hr/people/{learner}")
    row = page.get_by_role("row", name=re.compile("Why allies matter"))
    expect(row.first).to_contain_text("Reopened by content release 2")
    # the earlier completion, by title
    expect(page.locator("#person-cycles")).to_contain_text("Why allies matter")
    shot(page, "hr-person-reopened")
    assert_accessible(page, "HR person page with a reopened module")
